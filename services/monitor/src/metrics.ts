import type { AttemptEntry, Telemetry, Tier } from '@hookrail/shared';
import type { ActiveAlert } from './alerts/engine.ts';
import { endToEndSeconds, ATTEMPT_BUCKETS, E2E_BUCKETS, RETRY_BUCKETS } from './delivery-stats.ts';
import { errorType } from './attempt-entry.ts';
import type { GroupReport } from './lag-tracker.ts';
import { GROUP_LABEL, TIER_LABEL } from './policy/alert-rules.ts';
import { GROUP_STATUS_CODE, type GroupStatus } from './policy/group-status.ts';
import { classifyTopic } from './policy/topology.ts';

type Meter = Telemetry['meter'];

export interface MetricSources {
  prefix: string;
  groups(): readonly GroupReport[];
  queues(): ReadonlyMap<string, number>;
  /** The monitor's own sliding-window view per tier and nominal window. */
  windows(): ReadonlyArray<{ tier: Tier; window: string; successRate: number | null; burnRate: number | null }>;
  alerts(): readonly ActiveAlert[];
  /** Host of a subscription's URL (`server.address`), when the registry knows it. */
  serverAddress(subscriptionId: string): string | undefined;
  /** Disabled subscriptions (auto-disable or `subscriptions disable`) and who disabled them. */
  disabled?(): ReadonlyArray<{ id: string; tier: Tier; by: string }>;
}

export interface MonitorMetrics {
  /** Starts a subscription's counters at 0 (every outcome), so the first event is an increase. */
  knowSubscription(tier: Tier, subscriptionId: string): void;
  recordAttempt(entry: AttemptEntry): void;
  recordInvalid(): void;
}

export const OUTCOMES = ['delivered', 'retry', 'dead-letter'] as const;
const GROUP_STATUSES = Object.keys(GROUP_STATUS_CODE) as GroupStatus[];

/** Attribute names (OpenTelemetry semantic conventions where one exists, else `hookrail.*`). */
export const ATTR = {
  tier: 'hookrail.tier',
  subscription: 'hookrail.subscription.id',
  outcome: 'hookrail.outcome',
  errorType: 'error.type',
  statusCode: 'http.response.status_code',
  method: 'http.request.method',
  serverAddress: 'server.address',
  system: 'messaging.system',
  group: 'messaging.consumer.group.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  topicKind: 'hookrail.topic.kind',
  groupStatus: 'hookrail.consumer.group.status',
  window: 'hookrail.window',
  disabledBy: 'hookrail.disabled.by',
} as const;

/**
 * The monitor's instruments (docs/monitoring.md, "Metrics"). Attributes are bounded: tier,
 * subscription id, outcome, status code, error class, server address, topic, partition,
 * group. Never a URL, an event id or a delivery id. Exported with unit suffixes
 * (`_seconds`) and `_total` on counters.
 */
export function createMonitorMetrics(meter: Meter, sources: MetricSources): MonitorMetrics {
  const attempts = meter.createCounter('hookrail.delivery.attempts', {
    description: 'Delivery attempts seen in the attempts topic, by tier, subscription and outcome',
    unit: '{attempt}',
  });
  const failures = meter.createCounter('hookrail.delivery.failures', {
    description: 'Failed delivery attempts by HTTP status code and error type',
    unit: '{attempt}',
  });
  const dlq = meter.createCounter('hookrail.dlq.inflow', {
    description: 'Deliveries that went to the dead-letter topic',
    unit: '{delivery}',
  });
  // Not http.client.request.duration: that is the deliverer's own HTTP client instrument; this
  // one is rebuilt from the attempts topic, all deliverer instances together.
  const duration = meter.createHistogram('hookrail.delivery.attempt.duration', {
    description: 'Duration of webhook POSTs as the attempts topic records them, all deliverer instances together',
    unit: 's',
    advice: { explicitBucketBoundaries: [...ATTEMPT_BUCKETS] },
  });
  const endToEnd = meter.createHistogram('hookrail.delivery.duration', {
    description: 'End-to-end latency of delivered deliveries: event time to the 2xx answer',
    unit: 's',
    advice: { explicitBucketBoundaries: [...E2E_BUCKETS] },
  });
  const retries = meter.createHistogram('hookrail.delivery.retries', {
    description: 'Retries a delivery needed before it was delivered or dead-lettered',
    unit: '{retry}',
    advice: { explicitBucketBoundaries: [...RETRY_BUCKETS] },
  });
  const invalid = meter.createCounter('hookrail.monitor.invalid_records', {
    description: 'Records of the attempts topic the monitor could not read',
    unit: '{record}',
  });
  invalid.add(0);

  const partitionAttributes = (p: { group: string; topic: string; partition: number }) => ({
    [ATTR.system]: 'kafka',
    [ATTR.group]: p.group,
    [ATTR.destination]: p.topic,
    [ATTR.partition]: String(p.partition),
  });
  const tierOf = (g: GroupReport) => (g.tier === undefined ? 'all' : String(g.tier));
  meter
    .createObservableGauge('hookrail.consumer.lag', { description: 'Offsets a consumer group has not consumed yet (end − committed, or end − reset position)', unit: '{message}' })
    .addCallback((result) => {
      for (const g of sources.groups()) for (const p of g.partitions) result.observe(p.lag, { ...partitionAttributes(p), [ATTR.tier]: tierOf(g) });
    });
  meter
    .createObservableGauge('hookrail.consumer.time_lag', { description: 'Age of the oldest record a consumer group has not consumed (interpolated)', unit: 's' })
    .addCallback((result) => {
      for (const g of sources.groups()) for (const p of g.partitions) result.observe(p.lagSeconds, { ...partitionAttributes(p), [ATTR.tier]: tierOf(g) });
    });
  meter
    .createObservableGauge('hookrail.consumer.committed_offset', { description: 'Committed offset of a consumer group (the reset position when it never committed)', unit: '{offset}' })
    .addCallback((result) => {
      for (const g of sources.groups()) for (const p of g.partitions) result.observe(p.committed, partitionAttributes(p));
    });
  meter
    .createObservableGauge('hookrail.topic.end_offset', { description: 'End offset (high watermark) of a partition a hookrail group consumes', unit: '{offset}' })
    .addCallback((result) => {
      const seen = new Set<string>();
      for (const g of sources.groups()) {
        for (const p of g.partitions) {
          const key = `${p.topic}:${p.partition}`;
          if (seen.has(key)) continue;
          seen.add(key);
          result.observe(p.end, { [ATTR.system]: 'kafka', [ATTR.destination]: p.topic, [ATTR.partition]: String(p.partition) });
        }
      }
    });
  meter
    .createObservableGauge('hookrail.consumer.group.status', { description: 'Burrow-like group status: 1 for the state the group is in, 0 for the others', unit: '1' })
    .addCallback((result) => {
      for (const g of sources.groups()) {
        for (const status of GROUP_STATUSES) {
          result.observe(g.status === status ? 1 : 0, { [ATTR.system]: 'kafka', [ATTR.group]: g.group, [ATTR.tier]: tierOf(g), [ATTR.groupStatus]: status });
        }
      }
    });
  meter
    .createObservableGauge('hookrail.consumer.group.status_code', { description: 'Burrow-like group status as a number ordered by gravity: 0 OK, 1 WARNING, 2 STALLED, 3 STOPPED', unit: '1' })
    .addCallback((result) => {
      for (const g of sources.groups()) result.observe(GROUP_STATUS_CODE[g.status], { [ATTR.system]: 'kafka', [ATTR.group]: g.group, [ATTR.tier]: tierOf(g) });
    });
  meter
    .createObservableGauge('hookrail.queue.length', { description: 'Records waiting in a hookrail topic (unconsumed by its consumer, or retained when it has none)', unit: '{message}' })
    .addCallback((result) => {
      for (const [topic, length] of sources.queues()) {
        const info = classifyTopic(topic, sources.prefix);
        result.observe(length, {
          [ATTR.system]: 'kafka',
          [ATTR.destination]: topic,
          [ATTR.topicKind]: info.kind,
          ...(info.tier !== undefined ? { [ATTR.tier]: String(info.tier) } : {}),
        });
      }
    });
  meter
    .createObservableGauge('hookrail.delivery.success_ratio', { description: "Share of attempts answered 2xx over the monitor's sliding window", unit: '1' })
    .addCallback((result) => {
      for (const w of sources.windows()) if (w.successRate !== null) result.observe(w.successRate, { [ATTR.tier]: String(w.tier), [ATTR.window]: w.window });
    });
  meter
    .createObservableGauge('hookrail.slo.burn_rate', { description: 'Error-budget burn rate over the window (1 = exactly on budget)', unit: '1' })
    .addCallback((result) => {
      for (const w of sources.windows()) if (w.burnRate !== null) result.observe(w.burnRate, { [ATTR.tier]: String(w.tier), [ATTR.window]: w.window });
    });
  meter
    .createObservableGauge('hookrail.alert.score', { description: 'Incident score of each firing alert (severity × likelihood × impact)', unit: '1' })
    .addCallback((result) => {
      for (const a of sources.alerts()) {
        if (a.phase !== 'firing' || !a.score) continue;
        result.observe(a.score.score, {
          alertname: a.name,
          [ATTR.tier]: a.labels[TIER_LABEL] ?? 'all',
          severity: a.score.severity,
          priority: a.score.priority,
          ...(a.labels[GROUP_LABEL] ? { [ATTR.group]: a.labels[GROUP_LABEL] } : {}),
        });
      }
    });

  meter
    .createObservableGauge('hookrail.subscription.disabled', { description: 'Disabled subscriptions: 1 each, by who disabled it (monitor: auto-disable; cli: an operator)', unit: '1' })
    .addCallback((result) => {
      for (const d of sources.disabled?.() ?? []) result.observe(1, { [ATTR.tier]: String(d.tier), [ATTR.subscription]: d.id, [ATTR.disabledBy]: d.by });
    });

  const known = new Set<string>();
  const knowSubscription = (tier: Tier, subscriptionId: string) => {
    const key = `${tier}\u0000${subscriptionId}`;
    if (known.has(key)) return;
    known.add(key);
    const base = { [ATTR.tier]: String(tier), [ATTR.subscription]: subscriptionId };
    for (const outcome of OUTCOMES) attempts.add(0, { ...base, [ATTR.outcome]: outcome });
    dlq.add(0, base);
  };

  return {
    knowSubscription,
    recordAttempt(entry) {
      knowSubscription(entry.tier, entry.subscriptionId);
      const base = { [ATTR.tier]: String(entry.tier), [ATTR.subscription]: entry.subscriptionId };
      attempts.add(1, { ...base, [ATTR.outcome]: entry.outcome });
      const type = errorType(entry);
      if (type !== undefined) {
        failures.add(1, { ...base, [ATTR.errorType]: type, ...(entry.status !== undefined ? { [ATTR.statusCode]: entry.status } : {}) });
      }
      if (entry.outcome === 'dead-letter') dlq.add(1, base);
      if (entry.http) {
        const address = sources.serverAddress(entry.subscriptionId);
        duration.record(entry.durationMs / 1_000, {
          ...base,
          [ATTR.method]: 'POST',
          ...(address !== undefined ? { [ATTR.serverAddress]: address } : {}),
          ...(entry.status !== undefined ? { [ATTR.statusCode]: entry.status } : {}),
          ...(type !== undefined ? { [ATTR.errorType]: type } : {}),
        });
      }
      const e2e = endToEndSeconds(entry);
      if (e2e !== undefined) endToEnd.record(e2e, base);
      if (entry.outcome !== 'retry') retries.record(Math.max(0, entry.attempt - 1), { ...base, [ATTR.outcome]: entry.outcome });
    },
    recordInvalid() {
      invalid.add(1);
    },
  };
}
