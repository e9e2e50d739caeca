import { AssignerProtocol, type Admin, type GroupDescription } from 'kafkajs';
import type { TopicNames } from '@hookrail/shared';
import { classifyGroup, resetPolicyOf } from './policy/topology.ts';

/** A consumer group's position on one partition against the partition's end. */
export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /**
   * The committed offset; for a partition a member holds without a commit yet, the position
   * the group's reset policy gives (earliest: the first retained offset).
   */
  committed: number;
  /** True when `committed` is the reset-policy position (Kafka's tool prints "-" for it). */
  uncommitted?: boolean;
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
  /** Every hookrail topic (the registry aside) and every topic a hookrail group reads. */
  topics: Map<string, TopicOffsets>;
  lag: PartitionLag[];
  /** Kafka's state of each hookrail group (Stable, Empty, PreparingRebalance, …). */
  groupStates: Map<string, string>;
}

/**
 * The consumer groups of the installation with this prefix that the monitor watches: its
 * services' groups (router, deliverer per tier, monitor). Readers that are not services (the
 * CLI, the registry views, leftovers of other tools) are not the SRE's concern.
 */
export function isServiceGroup(groupId: string, prefix: string): boolean {
  return classifyGroup(groupId, prefix).role !== 'other';
}

/** The partitions each member of a (consumer-protocol) group holds. */
export function assignedPartitions(description: Pick<GroupDescription, 'members' | 'protocolType'>): Array<{ topic: string; partition: number }> {
  if (description.protocolType !== 'consumer') return [];
  const out: Array<{ topic: string; partition: number }> = [];
  for (const member of description.members) {
    if (!member.memberAssignment || member.memberAssignment.length === 0) continue;
    let decoded: ReturnType<typeof AssignerProtocol.MemberAssignment.decode>;
    try {
      decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    } catch {
      continue; // not the consumer protocol's layout
    }
    for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) for (const partition of partitions) out.push({ topic, partition });
  }
  return out;
}

/**
 * One reading of every hookrail topic's offsets and every hookrail service group's positions.
 * End offsets come from ListOffsets(latest) with read_uncommitted isolation: the high
 * watermark, which is what Kafka's ConsumerGroupCommand prints as LOG-END-OFFSET. A partition
 * a member holds but never committed counts from where the group's reset policy starts it,
 * so a worker that never committed still shows its lag.
 */
export async function readOffsets(admin: Admin, prefix: string, names: TopicNames): Promise<OffsetSnapshot> {
  const at = Date.now();
  const listed = await admin.listTopics();
  const ours = listed.filter((topic) => topic.startsWith(`${prefix}.`) && topic !== names.subscriptions);
  const { groups } = await admin.listGroups();
  const groupIds = groups.map((g) => g.groupId).filter((id) => isServiceGroup(id, prefix)).sort();

  type Row = { topic: string; partition: number; offset: number | null };
  const positions = new Map<string, Row[]>();
  for (const group of groupIds) {
    const rows: Row[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group })) {
      for (const { partition, offset } of partitions) {
        if (Number(offset) >= 0) rows.push({ topic, partition, offset: Number(offset) });
      }
    }
    positions.set(group, rows);
  }
  const groupStates = new Map<string, string>();
  if (groupIds.length > 0) {
    const described = await admin.describeGroups(groupIds);
    for (const g of described.groups) {
      groupStates.set(g.groupId, g.state);
      const rows = positions.get(g.groupId) ?? [];
      const known = new Set(rows.map((r) => `${r.topic}:${r.partition}`));
      for (const { topic, partition } of assignedPartitions(g)) {
        if (!known.has(`${topic}:${partition}`)) rows.push({ topic, partition, offset: null });
      }
      positions.set(g.groupId, rows);
    }
  }

  const wanted = new Set([...ours, ...[...positions.values()].flatMap((rows) => rows.map((r) => r.topic))]);
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
  for (const [group, rows] of positions) {
    const reset = resetPolicyOf(classifyGroup(group, prefix));
    for (const row of rows) {
      const offsets = topics.get(row.topic);
      const end = offsets?.end.get(row.partition);
      if (end === undefined) continue;
      const position = row.offset ?? (reset === 'earliest' ? (offsets!.start.get(row.partition) ?? 0) : end);
      lag.push({
        group,
        topic: row.topic,
        partition: row.partition,
        committed: position,
        ...(row.offset === null ? { uncommitted: true } : {}),
        end,
        lag: Math.max(0, end - position),
      });
    }
  }
  lag.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { at, topics, lag, groupStates };
}
