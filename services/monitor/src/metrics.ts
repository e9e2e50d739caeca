import type { Telemetry, Tier } from '@hookrail/shared';
import type { ActiveAlert } from './alerts/engine.ts';
import { endToEndSeconds, ATTEMPT_BUCKETS, E2E_BUCKETS, RETRY_BUCKETS } from './delivery-stats.ts';
import { errorType, type AttemptEntry } from './attempt-entry.ts';
import type { GroupReport } from './lag-tracker.ts';
import { GROUP_STATUS_CODE } from './policy/group-status.ts';
import { classifyTopic } from './policy/topology.ts';

type Meter = Telemetry['meter'];

export interface MetricSources {
  prefix: string;
  groups(): readonly GroupReport[];
  queues(): ReadonlyMap<string, number>;
  /** The monitor's own sliding-window view per tier and nominal window. */
  windows(): ReadonlyArray<{ tier: Tier; window: string; successRate: number | null; burnRate: number | null }>;
  alerts(): readonly ActiveAlert[];
}

export interface MonitorMetrics {
  recordAttempt(entry: AttemptEntry): void;
  recordInvalid(): void;
}

/**
 * The monitor's instruments (docs/monitoring.md, "Metrics"). Attributes are bounded: tier,
 * subscription id, outcome, status code, error class, topic, partition, group. Never a URL,
 * an event id or a delivery id.
 */
export function createMonitorMetrics(meter: Meter, sources: MetricSources): MonitorMetrics {
  const attempts = meter.createCounter('hookrail.delivery.attempts', {
    description: 'Delivery attempts seen in the attempts topic, by tier, subscription and outcome',
    unit: '{attempt}',
  });
  const failures = meter.createCounter('hookrail.delivery.failures', {
    description: 'Failed delivery attempts by HTTP status code and error class',
    unit: '{attempt}',
  });
  const dlq = meter.createCounter('hookrail.dlq.inflow', {
    description: 'Deliveries that went to the dead-letter topic',
    unit: '{delivery}',
  });
  const duration = meter.createHistogram('http.client.request.duration', {
    description: 'Duration of webhook POSTs, all deliverer instances together',
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

  const partitionAttributes = (p: { group: string; topic: string; partition: number }) => ({
    'messaging.consumer.group.name': p.group,
    'messaging.destination.name': p.topic,
    'messaging.destination.partition.id': String(p.partition),
  });
  meter
    .createObservableGauge('messaging.kafka.consumer.lag', { description: 'Offsets a consumer group has not committed yet (end − committed)', unit: '{message}' })
    .addCallback((result) => {
      for (const g of sources.groups()) for (const p of g.partitions) result.observe(p.lag, partitionAttributes(p));
    });
  meter
    .createObservableGauge('hookrail.consumer.time_lag', { description: 'Age of the oldest record a consumer group has not consumed (interpolated)', unit: 's' })
    .addCallback((result) => {
      for (const g of sources.groups()) for (const p of g.partitions) result.observe(p.lagSeconds, partitionAttributes(p));
    });
  meter
    .createObservableGauge('hookrail.consumer.committed_offset', { description: 'Committed offset of a consumer group', unit: '{offset}' })
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
          result.observe(p.end, { 'messaging.destination.name': p.topic, 'messaging.destination.partition.id': String(p.partition) });
        }
      }
    });
  meter
    .createObservableGauge('hookrail.consumer.group.status', { description: 'Burrow-like group status: 0 OK, 1 WARNING, 2 STALLED, 3 STOPPED', unit: '1' })
    .addCallback((result) => {
      for (const g of sources.groups()) {
        result.observe(GROUP_STATUS_CODE[g.status], { 'messaging.consumer.group.name': g.group, 'hookrail.tier': g.tier === undefined ? 'all' : String(g.tier) });
      }
    });
  meter
    .createObservableGauge('hookrail.queue.length', { description: 'Records waiting in a hookrail topic (unconsumed by its consumer, or retained when it has none)', unit: '{message}' })
    .addCallback((result) => {
      for (const [topic, length] of sources.queues()) {
        const info = classifyTopic(topic, sources.prefix);
        result.observe(length, {
          'messaging.destination.name': topic,
          'hookrail.topic.kind': info.kind,
          ...(info.tier !== undefined ? { 'hookrail.tier': String(info.tier) } : {}),
        });
      }
    });
  meter
    .createObservableGauge('hookrail.delivery.success_ratio', { description: "Share of attempts answered 2xx over the monitor's sliding window", unit: '1' })
    .addCallback((result) => {
      for (const w of sources.windows()) if (w.successRate !== null) result.observe(w.successRate, { 'hookrail.tier': String(w.tier), 'hookrail.window': w.window });
    });
  meter
    .createObservableGauge('hookrail.slo.burn_rate', { description: 'Error-budget burn rate over the window (1 = exactly on budget)', unit: '1' })
    .addCallback((result) => {
      for (const w of sources.windows()) if (w.burnRate !== null) result.observe(w.burnRate, { 'hookrail.tier': String(w.tier), 'hookrail.window': w.window });
    });
  meter
    .createObservableGauge('hookrail.alert.score', { description: 'Incident score of each firing alert (severity × likelihood × impact)', unit: '1' })
    .addCallback((result) => {
      for (const a of sources.alerts()) {
        if (a.phase !== 'firing' || !a.score) continue;
        result.observe(a.score.score, {
          alertname: a.name,
          'hookrail.tier': a.labels.tier ?? 'all',
          severity: a.score.severity,
          priority: a.score.priority,
          ...(a.labels.group ? { 'messaging.consumer.group.name': a.labels.group } : {}),
        });
      }
    });

  return {
    recordAttempt(entry) {
      const base = { 'hookrail.tier': String(entry.tier), 'hookrail.subscription.id': entry.subscriptionId };
      attempts.add(1, { ...base, 'hookrail.outcome': entry.outcome });
      const type = errorType(entry);
      if (type !== undefined) {
        failures.add(1, { ...base, 'error.type': type, ...(entry.status !== undefined ? { 'http.response.status_code': entry.status } : {}) });
      }
      if (entry.outcome === 'dead-letter') dlq.add(1, { ...base, 'error.type': type ?? '_OTHER' });
      if (entry.http) {
        duration.record(entry.durationMs / 1_000, {
          ...base,
          'http.request.method': 'POST',
          ...(entry.status !== undefined ? { 'http.response.status_code': entry.status } : {}),
          ...(type !== undefined ? { 'error.type': type } : {}),
        });
      }
      const e2e = endToEndSeconds(entry);
      if (e2e !== undefined) endToEnd.record(e2e, base);
      if (entry.outcome !== 'retry') retries.record(Math.max(0, entry.attempt - 1), { ...base, 'hookrail.outcome': entry.outcome });
    },
    recordInvalid() {
      invalid.add(1);
    },
  };
}
