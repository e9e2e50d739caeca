/**
 * The offset bookkeeping of one partition in a parallel consumer (the idea of Confluent's
 * Parallel Consumer): many records are in flight at once and finish in any order; the
 * committed offset is the lowest one not finished, and the finished ones above it travel in
 * the commit's metadata so a restart skips them instead of handling them twice.
 *
 * Life of an offset: accepted → ready (outcome known, not yet committed) → committing (in
 * the open transaction) → done (transaction committed). An aborted transaction puts its
 * offsets back to ready.
 */
export interface PartitionTracker {
  /** Where a fresh consumer would start: every offset below it is done. */
  readonly base: number;
  /** One past the highest offset fetched (accepted, skipped or passed over as a marker). */
  readonly next: number;
  /** Offsets accepted and not yet done: the partition's share of the in-memory window. */
  readonly open: number;
  /** True while the offset is accepted and its transaction has not committed. */
  isOpen(offset: number): boolean;
  /** 'new' to handle, 'skip' when already done or already in hand. */
  accept(offset: number): 'new' | 'skip';
  /** Batches of only transaction markers move the fetch position without records. */
  passOver(lastOffset: number): void;
  ready(offset: number): void;
  /** Moves the ready offsets (all, or those of `only`) into the transaction being built; returns them. */
  takeReady(only?: ReadonlySet<number>): number[];
  /** The offset and metadata to commit with the transaction holding `takeReady()`'s offsets. */
  commitPosition(): { offset: number; metadata: string } | undefined;
  committed(): void;
  aborted(): void;
}

type State = 'inFlight' | 'ready' | 'committing';

/**
 * Commit metadata, version 1: `hr1:<base64url bitset>`, bit i set = offset (position + i) is
 * already done. The prefix is the version; a reader that meets another one treats the commit
 * as carrying no finished offsets (it redoes them: duplicates, never a loss) and says so.
 */
const METADATA_V1 = 'hr1:';

/**
 * Kafka refuses commits whose metadata exceeds the broker's `offset.metadata.max.bytes`
 * (default 4096). The encoding stays under this, and the window of offsets a partition may
 * run ahead of its commit is bounded so that it can (`maxWindowForMetadata`).
 */
export const MAX_METADATA_BYTES = 4_000;

/** The largest window whose every finished offset fits in `maxBytes` of metadata. */
export function maxWindowForMetadata(maxBytes = MAX_METADATA_BYTES): number {
  const bitsetBytes = Math.floor(((maxBytes - METADATA_V1.length) * 3) / 4);
  return bitsetBytes * 8;
}

export function encodeDoneOffsets(position: number, done: Iterable<number>, maxBytes = MAX_METADATA_BYTES): string {
  let relative = [...done].filter((offset) => offset >= position).map((offset) => offset - position);
  if (relative.length === 0) return '';
  // Beyond the window the metadata can carry, finished offsets are left out: they are redone
  // after a restart (a duplicate), which is better than a commit the broker refuses.
  const limit = maxWindowForMetadata(maxBytes);
  relative = relative.filter((i) => i < limit);
  if (relative.length === 0) return '';
  const bits = Buffer.alloc(Math.floor(Math.max(...relative) / 8) + 1);
  for (const i of relative) bits[i >> 3]! |= 1 << (i & 7);
  return METADATA_V1 + bits.toString('base64url');
}

export interface DecodedMetadata {
  done: Set<number>;
  /** Set when the metadata is in a format this version does not read. */
  unknownFormat?: string;
}

export function decodeCommitMetadata(position: number, metadata: string | null | undefined): DecodedMetadata {
  const done = new Set<number>();
  if (!metadata) return { done };
  if (!metadata.startsWith(METADATA_V1)) return { done, unknownFormat: metadata.slice(0, 16) };
  const bits = Buffer.from(metadata.slice(METADATA_V1.length), 'base64url');
  for (let byte = 0; byte < bits.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      if (bits[byte]! & (1 << bit)) done.add(position + byte * 8 + bit);
    }
  }
  return { done };
}

export function decodeDoneOffsets(position: number, metadata: string | null | undefined): Set<number> {
  return decodeCommitMetadata(position, metadata).done;
}

/** A tracker resuming from a committed offset and its metadata (or from `start` if none). */
export function createPartitionTracker(committedOffset: number, metadata?: string | null): PartitionTracker {
  let base = committedOffset;
  let next = committedOffset;
  const states = new Map<number, State>();
  // Done above base: from the last commit's metadata, or committed while a lower one was open.
  const done = decodeDoneOffsets(committedOffset, metadata);

  /** The lowest offset not done, given that `finished` ones count as done. */
  const lowestUnfinished = (finished: (state: State) => boolean): number => {
    let lowest = next;
    for (const [offset, state] of states) if (!finished(state) && offset < lowest) lowest = offset;
    return lowest;
  };

  return {
    get base() {
      return base;
    },
    get next() {
      return next;
    },
    get open() {
      return states.size;
    },
    isOpen: (offset) => states.has(offset),
    accept(offset) {
      if (offset >= next) next = offset + 1;
      if (offset < base || done.has(offset) || states.has(offset)) return 'skip';
      states.set(offset, 'inFlight');
      return 'new';
    },
    passOver(lastOffset) {
      if (lastOffset + 1 > next) next = lastOffset + 1;
    },
    ready(offset) {
      if (states.get(offset) === 'inFlight') states.set(offset, 'ready');
    },
    takeReady(only) {
      const taken: number[] = [];
      for (const [offset, state] of states) {
        if (state === 'ready' && (!only || only.has(offset))) {
          states.set(offset, 'committing');
          taken.push(offset);
        }
      }
      return taken;
    },
    commitPosition() {
      const position = lowestUnfinished((state) => state === 'committing');
      const finishedAbove = [...done];
      for (const [offset, state] of states) if (state === 'committing') finishedAbove.push(offset);
      if (position === base && finishedAbove.every((offset) => done.has(offset))) return undefined;
      return { offset: position, metadata: encodeDoneOffsets(position, finishedAbove) };
    },
    committed() {
      for (const [offset, state] of states) {
        if (state === 'committing') {
          states.delete(offset);
          done.add(offset);
        }
      }
      base = lowestUnfinished(() => false);
      for (const offset of done) if (offset < base) done.delete(offset);
    },
    aborted() {
      for (const [offset, state] of states) if (state === 'committing') states.set(offset, 'ready');
    },
  };
}
