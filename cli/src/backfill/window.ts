// A backfill's window per source partition (PartitionRange: shared/src/records/backfill-progress.ts).
// Pure: the offsets come from the broker.
import type { PartitionRange } from '@hookrail/shared';

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * The ranges of one topic: from the offsets for the window's start time to those for its end
 * time (or the end of the log when the backfill began). A partition whose end is not after its
 * start has nothing to read.
 */
export function rangesOf(topic: string, starts: readonly PartitionOffset[], ends: readonly PartitionOffset[]): PartitionRange[] {
  const endOf = new Map(ends.map((e) => [e.partition, Number(e.offset)]));
  return starts
    .map(({ partition, offset }) => {
      const start = Number(offset);
      const end = Math.max(start, endOf.get(partition) ?? start);
      return { topic, partition, start, end, next: start };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Records of the window (offsets; transaction markers count too, so this bounds the events). */
export const totalOffsets = (ranges: readonly PartitionRange[]): number => ranges.reduce((sum, r) => sum + (r.end - r.start), 0);

/** Offsets of the window already read. */
export const readOffsets = (ranges: readonly PartitionRange[]): number => ranges.reduce((sum, r) => sum + (Math.min(r.next, r.end) - r.start), 0);

export const isDone = (ranges: readonly PartitionRange[]): boolean => ranges.every((r) => r.next >= r.end);

/**
 * Moves a partition's `next` forward to `offset` (never back, never past its end): after a
 * record is routed (its offset + 1), or after a fetch that ended at `offset - 1` (markers).
 */
export function advance(range: PartitionRange, offset: number): void {
  range.next = Math.min(range.end, Math.max(range.next, offset));
}
