// Hand-written SVG charts: grouped bars and lines. No dependencies; readable in any browser.

const COLORS = ['#2f6fb0', '#e07b28', '#3a9a4a', '#c23b3b', '#7a52a8', '#8c6d31', '#d45fa8', '#6b6b6b'];
const W = 760;
const H = 440;
const M = { top: 56, right: 24, bottom: 110, left: 110 };

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * exp >= value) return step * exp;
  return 10 * exp;
}

function compact(value: number): string {
  if (Math.abs(value) >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (Math.abs(value) >= 1e4) return `${+(value / 1e3).toFixed(0)}k`;
  if (Math.abs(value) >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(value < 10 ? 1 : 0)}`;
}

function frame(title: string, subtitle: string | undefined, yLabel: string, yMax: number, yTicks = 5, logBase?: number): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="${W / 2}" y="40" text-anchor="middle" font-size="11" fill="#555">${esc(subtitle)}</text>`);
  const plotH = H - M.top - M.bottom;
  for (let i = 0; i <= yTicks; i++) {
    const y = M.top + plotH - (plotH * i) / yTicks;
    const raw = logBase ? logBase ** ((Math.log(yMax) / Math.log(logBase)) * (i / yTicks)) : (yMax * i) / yTicks;
    const value = logBase ? Math.round(raw) : raw;
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" fill="#333">${compact(value)}</text>`);
  }
  out.push(`<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">${esc(yLabel)}</text>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`);
  return out;
}

function legend(names: string[]): string[] {
  const out: string[] = [];
  let x = M.left;
  const y = H - 18;
  names.forEach((name, i) => {
    out.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${x + 14}" y="${y}" fill="#333">${esc(name)}</text>`);
    x += 24 + name.length * 6.5;
  });
  return out;
}

export interface BarChart {
  title: string;
  subtitle?: string;
  yLabel: string;
  categories: string[];
  series: Array<{ name: string; values: Array<number | undefined> }>;
  /** Log scale on y (for values spanning orders of magnitude). */
  log?: boolean;
}

export function barChart(chart: BarChart): string {
  const all = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const yMax = chart.log ? 10 ** Math.ceil(Math.log10(Math.max(10, ...all))) : niceMax(Math.max(0, ...all));
  const out = frame(chart.title, chart.subtitle, chart.yLabel, yMax, chart.log ? Math.round(Math.log10(yMax)) : 5, chart.log ? 10 : undefined);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const groupW = plotW / Math.max(1, chart.categories.length);
  const barW = Math.min(60, (groupW * 0.8) / Math.max(1, chart.series.length));
  const scale = (v: number) => (chart.log ? (Math.log10(Math.max(1, v)) / Math.log10(yMax)) * plotH : (v / yMax) * plotH);
  chart.categories.forEach((category, c) => {
    const x0 = M.left + groupW * c + (groupW - barW * chart.series.length) / 2;
    chart.series.forEach((series, s) => {
      const v = series.values[c];
      if (v === undefined || !Number.isFinite(v)) return;
      const h = Math.max(0, scale(v));
      const x = x0 + s * barW;
      const y = M.top + plotH - h;
      out.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[s % COLORS.length]}"><title>${esc(`${series.name} ${category}: ${v}`)}</title></rect>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${compact(v)}</text>`);
    });
    const cx = M.left + groupW * c + groupW / 2;
    if (chart.categories.length > 4) {
      // Many categories: slanted labels so they do not overlap.
      const label = category.length > 30 ? `${category.slice(0, 29)}…` : category;
      out.push(`<text transform="translate(${cx.toFixed(1)} ${M.top + plotH + 12}) rotate(-22)" text-anchor="end" font-size="10" fill="#333">${esc(label)}</text>`);
    } else {
      const label = category.length > 40 ? `${category.slice(0, 39)}…` : category;
      out.push(`<text x="${cx.toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle" fill="#333">${esc(label)}</text>`);
    }
  });
  if (chart.series.length > 1) out.push(...legend(chart.series.map((s) => s.name)));
  out.push('</svg>');
  return out.join('\n');
}

export interface LineChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: Array<{ name: string; points: Array<[number, number]>; dashed?: boolean }>;
  logX?: boolean;
  logY?: boolean;
}

export function lineChart(chart: LineChart): string {
  const points = chart.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const yMax = chart.logY ? 10 ** Math.ceil(Math.log10(Math.max(10, ...points.map(([, y]) => y)))) : niceMax(Math.max(0, ...points.map(([, y]) => y)));
  const xs = points.map(([x]) => x);
  const xMin = chart.logX ? Math.min(...xs) : 0;
  const xMax = chart.logX ? Math.max(...xs) : niceMax(Math.max(...xs));
  const out = frame(chart.title, chart.subtitle, chart.yLabel, yMax, chart.logY ? Math.round(Math.log10(yMax)) : 5, chart.logY ? 10 : undefined);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const sx = (x: number) =>
    M.left + (chart.logX ? (Math.log(x / xMin) / Math.log(Math.max(xMax / xMin, 1.0001))) * plotW * 0.94 + plotW * 0.03 : (x / xMax) * plotW);
  const sy = (y: number) => M.top + plotH - (chart.logY ? (Math.log10(Math.max(1, y)) / Math.log10(yMax)) * plotH : (y / yMax) * plotH);
  const xTicks = chart.logX ? [...new Set(xs)].sort((a, b) => a - b) : Array.from({ length: 6 }, (_, i) => (xMax * i) / 5);
  for (const x of xTicks) out.push(`<text x="${sx(x).toFixed(1)}" y="${M.top + plotH + 16}" text-anchor="middle" fill="#333">${compact(x)}</text>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 36}" text-anchor="middle" fill="#333">${esc(chart.xLabel)}</text>`);
  chart.series.forEach((series, s) => {
    const color = COLORS[s % COLORS.length];
    const valid = series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (valid.length === 0) return;
    const d = valid.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const [x, y] of valid) {
      out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(`${series.name}: ${x} → ${y}`)}</title></circle>`);
    }
  });
  out.push(...legend(chart.series.map((s) => s.name)));
  out.push('</svg>');
  return out.join('\n');
}
