import { classifyTopicName, type Tier, type TopicKind } from '@hookrail/shared';

/** What a hookrail topic is for, read from its name by the one classifier (shared/src/topics/names.ts). */
export interface TopicInfo {
  kind: TopicKind['kind'] | 'other';
  tier?: Tier;
  /** A retry topic's fixed delay. */
  delayMs?: number;
}

export function classifyTopic(topic: string, prefix: string): TopicInfo {
  const info = classifyTopicName(prefix, topic);
  if (!info) return { kind: 'other' };
  return info.kind === 'retry' ? { kind: 'retry', tier: info.tier, delayMs: info.rung.delayMs } : info;
}

/** Topics of deliveries waiting for a tier's live deliverer: the tier topic, its retry rungs, its parking and overflow topics. */
const TIER_QUEUES: ReadonlySet<TopicInfo['kind']> = new Set(['tier', 'retry', 'parked', 'overflow']);

/** Compacted state, not a queue: left out of queue lengths. */
const STATE: ReadonlySet<TopicInfo['kind']> = new Set(['subscriptions', 'backfills', 'parked-state', 'breakers', 'dlq-replayed']);

/** What a consumer group is, read from its id. */
export interface GroupInfo {
  /** backfill: a deliverer's backfill lane (watched and measured, not alerted on: a backfill queue is planned work). */
  role: 'router' | 'deliverer' | 'backfill' | 'monitor' | 'other';
  tier?: Tier;
}

export function classifyGroup(group: string, prefix: string): GroupInfo {
  if (group === `${prefix}-router`) return { role: 'router' };
  if (group === `${prefix}-monitor`) return { role: 'monitor' };
  const deliverer = /^deliverer-tier([123])(-backfill)?$/.exec(group.slice(prefix.length + 1));
  if (group.startsWith(`${prefix}-`) && deliverer) return { role: deliverer[2] ? 'backfill' : 'deliverer', tier: Number(deliverer[1]) as Tier };
  return { role: 'other' };
}

/**
 * Where a group's consumers start on a partition with no committed offset (Kafka's
 * auto.offset.reset): every hookrail service subscribes `fromBeginning`, so earliest.
 */
export function resetPolicyOf(_group: GroupInfo): 'earliest' | 'latest' {
  return 'earliest';
}

/** The group whose progress empties a topic: a tier's queues → that tier's deliverer; backfill topics → its backfill lane. */
export function ownerOf(info: TopicInfo, prefix: string): string | undefined {
  if (TIER_QUEUES.has(info.kind) && info.tier !== undefined) return `${prefix}-deliverer-tier${info.tier}`;
  if (info.kind === 'backfill' && info.tier !== undefined) return `${prefix}-deliverer-tier${info.tier}-backfill`;
  if (info.kind === 'attempts') return `${prefix}-monitor`;
  return undefined;
}

/**
 * Queue length per hookrail topic. A topic with a consumer (tier, retry, parked, overflow: the
 * tier's deliverer; attempts: the monitor) holds what that group has not consumed yet: end −
 * committed, or end − start on a partition it never committed. A topic nobody drains (dlq,
 * invalid, alerts) holds what is retained: end − start. State topics are not queues.
 */
export function queueLengths(
  topics: ReadonlyMap<string, { start: ReadonlyMap<number, number>; end: ReadonlyMap<number, number> }>,
  lag: ReadonlyArray<{ group: string; topic: string; partition: number; committed: number }>,
  prefix: string,
): Map<string, number> {
  const committed = new Map(lag.map((l) => [`${l.group}\u0000${l.topic}\u0000${l.partition}`, l.committed]));
  const out = new Map<string, number>();
  for (const [topic, offsets] of topics) {
    const info = classifyTopic(topic, prefix);
    if (info.kind === 'other' || STATE.has(info.kind)) continue;
    const owner = ownerOf(info, prefix);
    let total = 0;
    for (const [partition, end] of offsets.end) {
      const start = offsets.start.get(partition) ?? 0;
      const position = owner === undefined ? undefined : committed.get(`${owner}\u0000${topic}\u0000${partition}`);
      total += Math.max(0, end - Math.max(start, position ?? start));
    }
    out.set(topic, total);
  }
  return out;
}

/** Records waiting for a tier: its topic, its retry topics, its parked deliveries (and overflow). */
export function tierQueueLength(lengths: ReadonlyMap<string, number>, prefix: string, tier: Tier): number {
  let total = 0;
  for (const [topic, length] of lengths) {
    const info = classifyTopic(topic, prefix);
    if (TIER_QUEUES.has(info.kind) && info.tier === tier) total += length;
  }
  return total;
}
