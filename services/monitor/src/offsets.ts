import { REGISTRY_GROUP_PREFIX, type TopicNames } from '@hookrail/shared';
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

export interface OffsetSnapshot {
  at: number;
  /** Records in each hookrail topic (end − start, summed over partitions). */
  queueLength: Map<string, number>;
  lag: PartitionLag[];
}

/** One reading of every hookrail topic's offsets and every hookrail consumer group's lag. */
export async function readOffsets(admin: Admin, prefix: string, topics: TopicNames): Promise<OffsetSnapshot> {
  const all = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`) && topic !== topics.subscriptions);
  const ends = new Map<string, Map<number, number>>();
  const queueLength = new Map<string, number>();
  for (const topic of all) {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
    queueLength.set(topic, offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0));
  }
  const { groups } = await admin.listGroups();
  const ours = groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(`${prefix}-`) && !id.startsWith(REGISTRY_GROUP_PREFIX));
  const lag: PartitionLag[] = [];
  for (const group of ours) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group })) {
      for (const { partition, offset } of partitions) {
        const end = ends.get(topic)?.get(partition);
        if (end === undefined || Number(offset) < 0) continue;
        lag.push({ group, topic, partition, committed: Number(offset), end, lag: Math.max(0, end - Number(offset)) });
      }
    }
  }
  return { at: Date.now(), queueLength, lag };
}
