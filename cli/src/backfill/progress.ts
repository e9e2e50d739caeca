import type { Kafka } from 'kafkajs';
import { readWholeTopic } from '../dlq/read-topic.ts';
import type { PartitionRange } from './window.ts';

/** A backfill reads source topics for one subscription; a redeliver does the same for a window a receiver lost. */
export type BackfillKind = 'backfill' | 'redeliver';

/**
 * A backfill's progress, kept in the compacted `<prefix>.backfills` topic under `key`. It is
 * written in the same transaction as the deliveries it accounts for, so after a crash (or
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

export function progressRecord(progress: BackfillProgress): { key: string; value: string } {
  return { key: progress.key, value: JSON.stringify(progress) };
}

/** The last committed progress under `key`, if any (read_committed, to the end of the topic). */
export async function readProgress(kafka: Kafka, topic: string, key: string): Promise<BackfillProgress | undefined> {
  let latest: BackfillProgress | undefined;
  await readWholeTopic(kafka, topic, (_partition, message) => {
    if (message.key?.toString() !== key) return;
    latest = message.value === null ? undefined : (JSON.parse(message.value.toString()) as BackfillProgress);
  });
  return latest;
}
