import type { Kafka } from 'kafkajs';

/**
 * Deletes the consumer group a one-off reader used (the report, the monitor's history read),
 * so readers that are not services leave no group behind. Best effort: a group Kafka already
 * dropped, or one a member still holds, is left as it is.
 */
export async function deleteThrowawayGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } catch {
    // GROUP_ID_NOT_FOUND (never committed, already gone) or NON_EMPTY_GROUP: nothing to do.
  } finally {
    await admin.disconnect();
  }
}
