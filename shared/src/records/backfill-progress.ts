import { jsonObject, MalformedRecord, numberField } from './malformed.ts';

/** A backfill reads source topics for one subscription; a redeliver does the same for a window a receiver lost. */
export type BackfillKind = 'backfill' | 'redeliver';

/**
 * What a backfill reads: per source partition, the offsets of its time window, [start, end),
 * and `next`, the first offset not yet routed.
 */
export interface PartitionRange {
  topic: string;
  partition: number;
  start: number;
  end: number;
  next: number;
}

/**
 * A backfill's progress, kept in the compacted `<prefix>.backfills` topic under `key`. The CLI
 * writes it in the same transaction as the deliveries it accounts for, so after a crash (or
 * kill) the last committed progress says exactly which source records were routed.
 */
export interface BackfillProgress {
  /** `<kind>/<subscription id>`: one backfill (and one redeliver) per subscription at a time. */
  key: string;
  /** This run of it: `<kind>-<subscription>-<start time>`, in the deliveries' `hookrail-backfill` header. */
  id: string;
  kind: BackfillKind;
  subscriptionId: string;
  /** The window asked for, epoch ms; `until` null: up to the end of the log when it began. */
  since: number;
  until: number | null;
  startedAt: number;
  updatedAt: number;
  ranges: PartitionRange[];
  /** Source records read, deliveries written, records the router could not decode (skipped, as it did). */
  read: number;
  routed: number;
  undecodable: number;
  done: boolean;
}

export const progressKey = (kind: BackfillKind, subscriptionId: string): string => `${kind}/${subscriptionId}`;

export function progressMessage(progress: BackfillProgress): { key: string; value: string } {
  return { key: progress.key, value: JSON.stringify(progress) };
}

const NUMBERS = ['since', 'startedAt', 'updatedAt', 'read', 'routed', 'undecodable'] as const;

/** Reads a progress record's value. */
export function parseProgress(value: Buffer | string | null): BackfillProgress | MalformedRecord {
  const p = jsonObject('backfill progress', value);
  if (p instanceof MalformedRecord) return p;
  const bad = (problem: string) => new MalformedRecord('backfill progress', problem);
  if (typeof p.key !== 'string' || typeof p.id !== 'string' || typeof p.subscriptionId !== 'string') return bad('no key, id or subscriptionId');
  if (p.kind !== 'backfill' && p.kind !== 'redeliver') return bad(`bad kind ${JSON.stringify(p.kind)}`);
  const missing = NUMBERS.filter((name) => numberField(p, name) === undefined);
  if (missing.length > 0) return bad(`no number ${missing.join(', ')}`);
  if (p.until !== null && numberField(p, 'until') === undefined) return bad('until is neither a number nor null');
  if (typeof p.done !== 'boolean') return bad('done is not a boolean');
  if (!Array.isArray(p.ranges) || !p.ranges.every(isRange)) return bad('ranges are not {topic, partition, start, end, next}');
  return {
    key: p.key,
    id: p.id,
    kind: p.kind,
    subscriptionId: p.subscriptionId,
    since: p.since as number,
    until: p.until as number | null,
    startedAt: p.startedAt as number,
    updatedAt: p.updatedAt as number,
    ranges: p.ranges.map(({ topic, partition, start, end, next }: PartitionRange) => ({ topic, partition, start, end, next })),
    read: p.read as number,
    routed: p.routed as number,
    undecodable: p.undecodable as number,
    done: p.done,
  };
}

function isRange(value: unknown): value is PartitionRange {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.topic === 'string' && (['partition', 'start', 'end', 'next'] as const).every((name) => numberField(r, name) !== undefined);
}
