/**
 * Time lag by interpolation, as kafka-lag-exporter does it: remember when a partition's end
 * offset reached each value, then read off when the end passed the committed offset. The
 * record at the committed offset was appended between the last reading whose end did not
 * include it and the first whose end did; its age is the consumer's lag in seconds.
 */
export interface EndPoint {
  /** Epoch ms of the reading. */
  at: number;
  /** The partition's end offset then. */
  end: number;
}

/**
 * Adds a reading to a partition's table (returns a new array). A run of equal end offsets
 * keeps only its first and last reading; an end offset that went back (topic recreated)
 * starts the table over; the oldest points go beyond `maxPoints`.
 */
export function addEndPoint(points: readonly EndPoint[], point: EndPoint, maxPoints = 120): EndPoint[] {
  const last = points.at(-1);
  if (last && point.end < last.end) return [point];
  if (last && point.at <= last.at) return [...points];
  const before = points.at(-2);
  const next =
    last && before && last.end === point.end && before.end === point.end ? [...points.slice(0, -1), point] : [...points, point];
  return next.length > maxPoints ? next.slice(next.length - maxPoints) : next;
}

/**
 * Seconds since the record at `committed` was appended, estimated from the table; 0 when the
 * consumer is caught up (within `tolerance` offsets: transaction markers keep a read_committed
 * consumer's committed offset one short of the end). Before the table's oldest point the
 * estimate extrapolates the table's mean rate, and without a rate it answers the age of the
 * oldest point: a lower bound.
 */
export function timeLagSeconds(input: {
  points: readonly EndPoint[];
  committed: number;
  end: number;
  now: number;
  tolerance?: number;
}): number {
  const { points, committed, end, now } = input;
  if (end - committed <= (input.tolerance ?? 0) || points.length === 0) return 0;
  const target = committed + 1; // the end offset once the record at `committed` existed
  const index = points.findIndex((p) => p.end >= target);
  let appendedAt: number;
  if (index > 0) {
    const a = points[index - 1]!;
    const b = points[index]!;
    appendedAt = a.at + ((target - a.end) / (b.end - a.end)) * (b.at - a.at);
  } else {
    const first = points[0]!;
    const last = points.at(-1)!;
    const rate = last.at > first.at ? (last.end - first.end) / (last.at - first.at) : 0; // offsets per ms
    appendedAt = index === 0 && rate > 0 ? first.at - (first.end - target) / rate : first.at;
    if (index < 0) appendedAt = last.at; // the table never saw the end pass it (should not happen)
  }
  return Math.max(0, (now - appendedAt) / 1_000);
}
