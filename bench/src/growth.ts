// How a cost grows with the work, stated from the measured points rather than asserted:
// a least-squares line y = a + b·x (the cost per unit of work, b) and the exponent k of the
// power law y ∝ x^k fitted on log-log axes to what grows above the smallest measured value.

export interface Growth {
  /** constant, sublinear, linear or superlinear. */
  kind: 'constant' | 'sublinear' | 'linear' | 'superlinear';
  /** Exponent of the growth above the base (0 constant, 1 linear, 2 quadratic). */
  exponent: number;
  /** Intercept and slope of the least-squares line. */
  intercept: number;
  slope: number;
  /** Last value ÷ first value, across the measured range. */
  ratio: number;
  /** A sentence for tables: "linear (k = 0.98): +0.41 per subscription". */
  text: string;
}

/**
 * Below this relative change across the whole range a cost is called constant: the machine
 * is shared, and figures read ±20 % (README, Performance).
 */
export const CONSTANT_WITHIN = 0.25;

function leastSquares(points: ReadonlyArray<readonly [number, number]>): { intercept: number; slope: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

/** The growth of y over x from at least two points with positive x. */
export function growthOf(points: ReadonlyArray<readonly [number, number]>, unit = 'unit'): Growth {
  const valid = points.filter(([x, y]) => x > 0 && Number.isFinite(x) && Number.isFinite(y)).sort((p, q) => p[0] - q[0]);
  if (valid.length < 2) throw new Error(`growthOf: expected at least two points with x > 0, got ${valid.length}`);
  const { intercept, slope } = leastSquares(valid);
  const first = valid[0]![1];
  const last = valid.at(-1)![1];
  const ratio = first === 0 ? Number.POSITIVE_INFINITY : last / first;
  // The exponent of what comes on top of the first point: y − y₀ against x − x₀ on log-log
  // axes. RSS of 150 MiB + 0.01 MiB per subscription is a linear cost on a constant base
  // (k = 1), not "exponent 0.05"; a + b·x² gives k ≈ 2, a + b·log x well below 1.
  const [x0, y0] = valid[0]!;
  const increments = valid.slice(1).filter(([x, y]) => y > y0 && x > x0).map(([x, y]) => [Math.log(x - x0), Math.log(y - y0)] as const);
  const exponent = increments.length >= 2 ? Math.max(0, leastSquares(increments).slope) : increments.length === 1 ? 1 : 0;
  const floor = Math.min(...valid.map(([, y]) => y));
  const spread = Math.max(...valid.map(([, y]) => y)) - floor;
  const relative = spread / Math.max(Math.abs(first), Math.abs(last), Number.MIN_VALUE);
  // Scattered points that end where they began (or rise only once) show no trend to fit.
  const noTrend = increments.length < 2 || Math.abs(last - first) <= CONSTANT_WITHIN * Math.max(Math.abs(first), Math.abs(last));
  const kind: Growth['kind'] = relative <= CONSTANT_WITHIN || slope <= 0 || noTrend ? 'constant' : exponent < 0.7 ? 'sublinear' : exponent <= 1.3 ? 'linear' : 'superlinear';
  const perUnit = `${slope >= 0 ? '+' : ''}${significant(slope)} per ${unit}`;
  const range = `${significant(first)} → ${significant(last)}`;
  const text =
    kind !== 'constant'
      ? `${kind} (k = ${exponent.toFixed(2)}): ${perUnit}`
      : relative <= CONSTANT_WITHIN
        ? `constant (${range}, within ${CONSTANT_WITHIN * 100} %)`
        : slope <= 0
          ? `constant: no growth (${range}, falling)`
          : `constant: no trend (${range}, points between ${significant(floor)} and ${significant(floor + spread)})`;
  return { kind, exponent: Math.round(exponent * 100) / 100, intercept, slope, ratio, text };
}

function significant(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return value.toFixed(Math.min(6, digits));
}
