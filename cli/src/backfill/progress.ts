import { MalformedRecord, parseProgress, type BackfillProgress } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { readWholeTopic } from '../dlq/read-topic.ts';
import { CliError } from '../errors.ts';

/**
 * The last committed progress under `key`, if any (read_committed, to the end of the topic).
 * A record that is not a progress (shared/src/records/backfill-progress.ts) is an error: a
 * resume must not guess where it stopped.
 */
export async function readProgress(kafka: Kafka, topic: string, key: string): Promise<BackfillProgress | undefined> {
  let latest: BackfillProgress | MalformedRecord | undefined;
  await readWholeTopic(kafka, topic, (_partition, message) => {
    if (message.key?.toString() !== key) return;
    latest = message.value === null ? undefined : parseProgress(message.value);
  });
  if (latest instanceof MalformedRecord) throw new CliError(`${topic}: the last progress record of ${key} is not one (${latest.problem}); it cannot be resumed from there`);
  return latest;
}
