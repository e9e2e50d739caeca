import { REGISTRY_GROUP_PREFIX, type TopicNames } from '@hookrail/shared';
import type { Admin } from 'kafkajs';

/** A consumer group's committed offset on one partition against the partition's end. */
export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  committed: number;
  end: number;
  /** end − committed, as Kafka's consumer-groups tool prints it. */
  lag: number;
}

export interface TopicOffsets {
  /** Per partition: first offset still retained, and the end (high watermark). */
  start: Map<number, number>;
  end: Map<number, number>;
}

export interface OffsetSnapshot {
  at: number;
  /** Every hookrail topic (the registry aside) and every topic a hookrail group commits on. */
  topics: Map<string, TopicOffsets>;
  lag: PartitionLag[];
  /** Kafka's state of each hookrail group (Stable, Empty, PreparingRebalance, …). */
  groupStates: Map<string, string>;
}

/** Consumer groups that belong to the installation with this prefix. */
export function isHookrailGroup(groupId: string, prefix: string): boolean {
  return groupId.startsWith(`${prefix}-`) && !groupId.startsWith(REGISTRY_GROUP_PREFIX);
}

/**
 * One reading of every hookrail topic's offsets and every hookrail consumer group's committed
 * offsets. End offsets come from ListOffsets(latest) with read_uncommitted isolation: the high
 * watermark, which is what Kafka's ConsumerGroupCommand prints as LOG-END-OFFSET.
 */
export async function readOffsets(admin: Admin, prefix: string, names: TopicNames): Promise<OffsetSnapshot> {
  const at = Date.now();
  const listed = await admin.listTopics();
  const ours = listed.filter((topic) => topic.startsWith(`${prefix}.`) && topic !== names.subscriptions);
  const { groups } = await admin.listGroups();
  const groupIds = groups.map((g) => g.groupId).filter((id) => isHookrailGroup(id, prefix)).sort();

  const committed = new Map<string, Array<{ topic: string; partition: number; offset: number }>>();
  for (const group of groupIds) {
    const rows: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group })) {
      for (const { partition, offset } of partitions) {
        if (Number(offset) >= 0) rows.push({ topic, partition, offset: Number(offset) });
      }
    }
    committed.set(group, rows);
  }
  const groupStates = new Map<string, string>();
  if (groupIds.length > 0) {
    const described = await admin.describeGroups(groupIds);
    for (const g of described.groups) groupStates.set(g.groupId, g.state);
  }

  const wanted = new Set([...ours, ...[...committed.values()].flatMap((rows) => rows.map((r) => r.topic))]);
  const existing = new Set(listed);
  const topics = new Map<string, TopicOffsets>();
  for (const topic of [...wanted].sort()) {
    if (!existing.has(topic)) continue;
    const offsets = await admin.fetchTopicOffsets(topic);
    topics.set(topic, {
      start: new Map(offsets.map((o) => [o.partition, Number(o.low)])),
      end: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
    });
  }

  const lag: PartitionLag[] = [];
  for (const [group, rows] of committed) {
    for (const row of rows) {
      const end = topics.get(row.topic)?.end.get(row.partition);
      if (end === undefined) continue;
      lag.push({ group, topic: row.topic, partition: row.partition, committed: row.offset, end, lag: Math.max(0, end - row.offset) });
    }
  }
  lag.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { at, topics, lag, groupStates };
}
