/**
 * A quantile from bucket counts, the way Prometheus' histogram_quantile estimates it: find the
 * bucket holding the rank, interpolate linearly inside it (the first bucket starts at 0; a
 * rank in the +Inf bucket answers the highest finite bound). `counts` are per bucket (not
 * cumulative), one per bound plus the +Inf bucket. Null when there is nothing counted.
 */
export function histogramQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number | null {
  let total = 0;
  for (let i = 0; i <= bounds.length; i++) total += counts[i] ?? 0;
  if (total <= 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    const count = counts[i] ?? 0;
    if (cumulative + count >= rank && count > 0) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      return lower + (upper - lower) * ((rank - cumulative) / count);
    }
    cumulative += count;
  }
  return bounds.at(-1) ?? null;
}

/** The bucket index of a value: the first bound it does not exceed, or the +Inf bucket. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) return i;
  return bounds.length;
}

export interface Quantiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export function quantiles(bounds: readonly number[], counts: ArrayLike<number>): Quantiles {
  return {
    p50: histogramQuantile(0.5, bounds, counts),
    p95: histogramQuantile(0.95, bounds, counts),
    p99: histogramQuantile(0.99, bounds, counts),
  };
}
