import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS; Node's ESM loader does not see this export by name.
const { ConfigResourceTypes } = kafkajs;
import type { TopicSpec } from './specs.ts';

export interface TopicProblem {
  readonly topic: string;
  /** error: hookrail cannot run correctly (missing, wrong cleanup policy); warning: it can. */
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export interface TopicReport {
  readonly created: string[];
  readonly verified: string[];
  readonly problems: TopicProblem[];
}

/** Configs whose mismatch breaks hookrail's guarantees rather than just its tuning. */
const CRITICAL_CONFIGS = new Set(['cleanup.policy']);
/**
 * Numeric configs where more than expected is fine and less is an error: a topic that
 * accepts smaller records than the router's max payload needs would refuse them for ever.
 */
const AT_LEAST_CONFIGS = new Set(['max.message.bytes']);

/**
 * Creates the missing topics (when `create`) and verifies the existing ones against their
 * specs: partition count and the configs each spec names. Never alters an existing topic.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  options: { create: boolean },
): Promise<TopicReport> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.name));
  const present = specs.filter((spec) => existing.has(spec.name));
  const report: TopicReport = { created: [], verified: [], problems: [] };

  if (missing.length > 0 && options.create) {
    // Created without KafkaJS's own wait for leaders, which gives up early on a busy broker;
    // waitForLeaders below polls metadata until every partition has one.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    await waitForLeaders(admin, missing.map((spec) => spec.name));
    report.created.push(...missing.map((spec) => spec.name));
  } else {
    for (const spec of missing) {
      report.problems.push({
        topic: spec.name,
        severity: 'error',
        message: `topic ${spec.name} does not exist (create it with "hookrail topics create")`,
      });
    }
  }

  if (present.length === 0) return report;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((spec) => spec.name) });
  const partitionCounts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  const replicaCounts = new Map(metadata.topics.map((t) => [t.name, Math.min(...t.partitions.map((p) => p.replicas.length))]));
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configNames: Object.keys(spec.configs),
    })),
  });
  const actualConfigs = new Map(
    described.resources.map((resource) => [
      resource.resourceName,
      new Map(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
    ]),
  );

  for (const spec of present) {
    const partitions = partitionCounts.get(spec.name);
    if (partitions !== spec.partitions) {
      report.problems.push({
        topic: spec.name,
        severity: 'warning',
        message: `topic ${spec.name} has ${partitions} partitions, expected ${spec.partitions}`,
      });
    }
    const replicas = replicaCounts.get(spec.name);
    if (replicas !== undefined && replicas < spec.replicationFactor) {
      report.problems.push({
        topic: spec.name,
        severity: 'warning',
        message: `topic ${spec.name} has replication factor ${replicas}, expected ${spec.replicationFactor}`,
      });
    }
    const configs = actualConfigs.get(spec.name);
    for (const [name, expected] of Object.entries(spec.configs)) {
      const actual = configs?.get(name);
      if (AT_LEAST_CONFIGS.has(name)) {
        if (actual !== undefined && Number(actual) >= Number(expected)) continue;
        report.problems.push({
          topic: spec.name,
          severity: 'error',
          message: `topic ${spec.name} has ${name}=${actual ?? '(unset)'}, expected at least ${expected} (raise it with "kafka-configs --alter --add-config ${name}=${expected}", or lower HOOKRAIL_TOPIC_MAX_MESSAGE_BYTES and the router's max payload with it)`,
        });
        continue;
      }
      if (actual !== expected) {
        report.problems.push({
          topic: spec.name,
          severity: CRITICAL_CONFIGS.has(name) ? 'error' : 'warning',
          message: `topic ${spec.name} has ${name}=${actual ?? '(unset)'}, expected ${expected}`,
        });
      }
    }
    report.verified.push(spec.name);
  }
  return report;
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      // Unknown topic or partition while the new topics propagate: look again.
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
