import { topicNames, type BaseConfig, type TopicSpec } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import type { ReplayableLetter } from './replay.ts';
import { readWholeTopic } from './read-topic.ts';

/**
 * The replay log: one record per replayed dead letter, keyed by its DLQ `partition/offset`,
 * written in the same transaction as the delivery it sends back. Inspect shows it; replay
 * skips what it names unless --again.
 */
export const replayLogTopic = (prefix: string) => topicNames(prefix).dlqReplayed;

/** Compacted (one mark per dead letter) and deleted with the DLQ's retention. */
export function replayLogSpec(config: Pick<BaseConfig, 'topics'>): TopicSpec {
  return {
    name: replayLogTopic(config.topics.prefix),
    partitions: 1,
    replicationFactor: config.topics.replicationFactor,
    configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(config.topics.dlqRetentionMs) },
  };
}

export interface ReplayMark {
  replayedAt: number;
  /** How many times it was replayed (more than 1 only with --again). */
  times: number;
  deliveryId: string;
  subscriptionId: string;
  /** The tier topic it went back to. */
  topic: string;
}

export function markRecord(letter: ReplayableLetter, previous: ReplayMark | undefined, topic: string, now: number): { key: string; value: string } {
  const mark: ReplayMark = {
    replayedAt: now,
    times: (previous?.times ?? 0) + 1,
    deliveryId: letter.delivery.deliveryId,
    subscriptionId: letter.delivery.subscriptionId,
    topic,
  };
  return { key: letter.key, value: JSON.stringify(mark) };
}

/** Every mark, by DLQ `partition/offset`; empty when nothing was ever replayed. */
export async function readReplayLog(kafka: Kafka, topic: string): Promise<Map<string, ReplayMark>> {
  const marks = new Map<string, ReplayMark>();
  const admin = kafka.admin();
  await admin.connect();
  const exists = (await admin.listTopics().finally(() => admin.disconnect())).includes(topic);
  if (!exists) return marks;
  await readWholeTopic(kafka, topic, (_partition, message) => {
    const key = message.key?.toString();
    if (!key) return;
    if (message.value === null) marks.delete(key);
    else marks.set(key, JSON.parse(message.value.toString()) as ReplayMark);
  });
  return marks;
}
