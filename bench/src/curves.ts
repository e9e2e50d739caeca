// What the three growth scenarios share: measured curves (one per metric, over the same
// sizes), their growth stated from the points, as a table, JSON and one line chart per metric.
import { growthOf, type Growth } from './growth.ts';
import type { ScenarioResult, TableData } from './report.ts';
import { fmt } from './stats.ts';
import { lineChart } from './svg.ts';

export interface Curve {
  /** Machine name (the JSON key) and how it reads in tables and charts. */
  key: string;
  label: string;
  /** One series or several (index and scan, say) over the same sizes. */
  series: Array<{ name: string; points: Array<[number, number]> }>;
  digits?: number;
  /** Log axes for values spanning orders of magnitude. */
  logY?: boolean;
}

export interface CurveSet {
  scenario: string;
  /** The work that grows ("subscriptions"), its unit in the growth sentence ("subscription"). */
  x: string;
  unit: string;
  curves: Curve[];
}

export interface StatedCurve {
  key: string;
  label: string;
  series: Array<{ name: string; points: Array<[number, number]>; growth: Growth | undefined }>;
}

export function stateGrowth(set: CurveSet): StatedCurve[] {
  return set.curves.map((curve) => ({
    key: curve.key,
    label: curve.label,
    series: curve.series.map((s) => {
      let growth: Growth | undefined;
      try {
        growth = growthOf(s.points, set.unit);
      } catch {
        growth = undefined;
      }
      return { ...s, growth };
    }),
  }));
}

/** The figures per size (one column per curve and series), then the growth each shows. */
export function curveTables(set: CurveSet, stated: StatedCurve[]): TableData[] {
  const columns = set.curves.flatMap((c) => c.series.map((s) => ({ curve: c, series: s, head: c.series.length > 1 ? `${c.label}, ${s.name}` : c.label })));
  const sizes = [...new Set(columns.flatMap((c) => c.series.points.map(([x]) => x)))].sort((a, b) => a - b);
  return [
    {
      title: `Cost per ${set.unit} count`,
      head: [set.x, ...columns.map((c) => c.head)],
      rows: sizes.map((x) => [fmt(x), ...columns.map((c) => fmt(c.series.points.find(([px]) => px === x)?.[1], c.curve.digits ?? 0))]),
    },
    {
      title: `Growth with ${set.x} (from the points: least-squares line and exponent)`,
      head: ['metric', 'growth'],
      rows: stated.flatMap((c) => c.series.map((s) => [c.series.length > 1 ? `${c.label}, ${s.name}` : c.label, s.growth?.text ?? 'too few points'])),
    },
  ];
}

export function curveCharts(set: CurveSet, subtitle: string): NonNullable<ScenarioResult['charts']> {
  return set.curves.map((curve) => ({
    file: `${set.scenario}-${curve.key}.svg`,
    svg: lineChart({
      title: `${curve.label} by ${set.x}`,
      subtitle,
      xLabel: `${set.x} (log scale)`,
      yLabel: curve.label,
      logX: true,
      ...(curve.logY ? { logY: true } : {}),
      series: curve.series.map((s) => ({ name: s.name, points: s.points })),
    }),
  }));
}

/** The JSON form: every curve's points and growth. */
export function curveData(stated: StatedCurve[]): Record<string, unknown> {
  return Object.fromEntries(
    stated.map((c) => [c.key, Object.fromEntries(c.series.map((s) => [s.name, { points: s.points, growth: s.growth && { kind: s.growth.kind, exponent: s.growth.exponent, slope: s.growth.slope, intercept: s.growth.intercept, text: s.growth.text } }]))]),
  );
}
