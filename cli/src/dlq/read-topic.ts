import { readToEnd } from '@hookrail/shared';
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/**
 * Reads a whole topic (committed records, up to its end when the read starts) without leaving
 * a consumer group behind: KafkaJS reads through a group, so a throwaway one is used, never
 * commits, and is deleted afterwards.
 */
export async function readWholeTopic(kafka: Kafka, topic: string, onMessage: (partition: number, message: KafkaMessage) => void): Promise<void> {
  // Not "<prefix>-…": the monitor would take it for one of hookrail's own groups.
  const groupId = `cli-reader-${randomUUID()}`;
  try {
    await readToEnd({
      kafka,
      topic,
      groupId,
      onBatch: async ({ batch }) => {
        for (const message of batch.messages) onMessage(batch.partition, message);
      },
    });
  } finally {
    await deleteGroup(kafka, groupId);
  }
}

/**
 * Best effort: a group whose member has not left yet (NON_EMPTY_GROUP: the reader's LeaveGroup
 * was lost on a busy broker; seen in a parallel test run) is left to expire with the member's
 * session. It never committed, so it holds nothing.
 */
export async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = await admin.listGroups();
    if (groups.groups.some((group) => group.groupId === groupId)) await admin.deleteGroups([groupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
