import { TIERS, type BaseConfig } from '../config/base.ts';
import { ladderFor } from '../retry-ladder.ts';
import { topicNames } from './names.ts';

/** A topic as hookrail needs it: name, partition count and the configs it must carry. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** The topics of DESIGN.md for this configuration, in a stable order. */
export function hookrailTopicSpecs(config: Pick<BaseConfig, 'topics' | 'tiers'>): TopicSpec[] {
  const { prefix, partitions, replicationFactor, minInsyncReplicas, maxMessageBytes, retentionMs, dlqRetentionMs } = config.topics;
  const names = topicNames(prefix);
  const deleteAfter = (ms: number) => ({ 'cleanup.policy': 'delete', 'retention.ms': String(ms) });
  // Every topic states its record size limit, so the router's max payload is checked against
  // what the topics really accept (see record-size.ts), not against a broker default.
  const common: Record<string, string> = { 'max.message.bytes': String(maxMessageBytes) };
  if (minInsyncReplicas !== undefined) common['min.insync.replicas'] = String(minInsyncReplicas);
  const spec = (name: string, configs: Record<string, string>, count = partitions): TopicSpec => ({
    name,
    partitions: count,
    replicationFactor,
    configs: { ...configs, ...common },
  });

  const specs: TopicSpec[] = [
    // One partition: every service reads the whole registry, in the order it was written.
    spec(names.subscriptions, { 'cleanup.policy': 'compact' }, 1),
  ];
  for (const tier of TIERS) {
    specs.push(spec(names.tier(tier), deleteAfter(retentionMs)));
    for (const rung of ladderFor(config.tiers[tier].retries)) {
      specs.push(spec(names.retry(tier, rung), deleteAfter(retentionMs)));
    }
  }
  specs.push(
    spec(names.dlq, deleteAfter(dlqRetentionMs)),
    spec(names.attempts, deleteAfter(retentionMs)),
    spec(names.invalid, deleteAfter(retentionMs)),
    spec(names.alerts, deleteAfter(retentionMs), 1),
  );
  // Backfills (docs/architecture.md, "Backfill"): a topic per tier for the deliverer's backfill
  // lane, and their progress, one compacted record per backfill.
  for (const tier of TIERS) specs.push(spec(names.backfill(tier), deleteAfter(retentionMs)));
  specs.push(spec(names.backfills, { 'cleanup.policy': 'compact' }, 1));
  // Parking of long-blocked ordered keys (docs/architecture.md, "Parking topic"): per tier the
  // parked deliveries, and which keys are parked (compacted).
  for (const tier of TIERS) {
    specs.push(spec(names.parked(tier), deleteAfter(retentionMs)), spec(names.parkedState(tier), { 'cleanup.policy': 'compact' }));
  }
  // Receiver protection (docs/architecture.md, "Instances agree"): one record per endpoint
  // whose breaker opened or closed, read by every deliverer instance.
  specs.push(spec(names.breakers, { 'cleanup.policy': 'compact' }, 1));
  return specs;
}
