import { createSubscriptionRegistry, transactionMetrics, type RunningService, type ServiceContext } from '@hookrail/shared';
import type { AttemptLogEntry } from './attempt.ts';
import type { DelivererConfig } from './config.ts';
import { logDeadLetter } from './dead-letter-log.ts';
import { createDestinationGuard, endpointOf } from './dispatch/destination-guard.ts';
import { guardTelemetry } from './dispatch/guard-metrics.ts';
import { startSharedBreakers, type SharedBreakers } from './dispatch/shared-breakers.ts';
import { createHttpSender } from './http/sender.ts';
import { lanesOf } from './lanes-of.ts';
import { startTierLane, type TierLane } from './lane.ts';

/** Wires the deliverer: registry, one HTTP sender, a lane per tier served, metrics. */
export async function startDeliverer(context: ServiceContext<DelivererConfig>): Promise<RunningService> {
  const { config, kafka, logger, topics, telemetry } = context;
  const http = config.deliverer.http;

  const attempts = telemetry.meter.createCounter('hookrail.deliverer.attempts', {
    description: 'HTTP delivery attempts, by tier and outcome',
    unit: '{attempt}',
  });
  const duration = telemetry.meter.createHistogram('http.client.request.duration', {
    description: 'Duration of webhook POSTs',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
  });
  const onAttempt = (entry: AttemptLogEntry) => {
    logDeadLetter(logger, entry);
    const attributes = { 'hookrail.tier': entry.tier, 'hookrail.outcome': entry.outcome };
    attempts.add(1, attributes);
    if (entry.http) {
      duration.record(entry.durationMs / 1_000, {
        'http.request.method': 'POST',
        ...(entry.status !== undefined ? { 'http.response.status_code': entry.status } : { 'error.type': entry.errorClass ?? 'unknown' }),
        'hookrail.tier': entry.tier,
      });
    }
  };

  const registry = createSubscriptionRegistry({ kafka, topic: topics.subscriptions, logger, owner: 'deliverer' });
  await registry.start();
  const sender = createHttpSender({
    connectTimeoutMs: http.connectTimeoutMs,
    headersTimeoutMs: http.headersTimeoutMs,
    bodyTimeoutMs: http.bodyTimeoutMs,
    totalTimeoutMs: http.totalTimeoutMs,
    connectionsPerOrigin: http.connectionsPerOrigin,
    maxResponseBytes: http.maxResponseBytes,
    requireHttps: http.requireHttps,
    ssrf: { allow: http.allow },
    userAgent: http.userAgent,
  });

  // Receiver protection per endpoint, shared by the tiers' lanes, and its breakers shared with the other instances.
  const guardLog = logger.child({ component: 'destinations' });
  const guardMetrics = guardTelemetry(telemetry.meter, guardLog);
  let shared: SharedBreakers | undefined;
  const guard = createDestinationGuard({
    settings: config.deliverer,
    onTransition: (destination, from, to, how) => {
      guardMetrics.onTransition(destination, from, to);
      shared?.onTransition(destination, from, to, how);
    },
  });
  if (config.deliverer.breaker.enabled) {
    shared = await startSharedBreakers({
      kafka,
      topic: topics.breakers,
      instanceId: config.deliverer.instanceId,
      groupId: `${config.topics.prefix}-deliverer-breakers-${config.deliverer.instanceId}-${process.pid}-${Date.now()}`,
      guard,
      logger: guardLog,
    });
  }
  guardMetrics.observe(guard);

  const laneTransactions = transactionMetrics(telemetry.meter);
  const lanes: TierLane[] = [];
  for (const { tier, backfill } of lanesOf(config.deliverer)) {
    lanes.push(
      await startTierLane({
        tier,
        backfill,
        config,
        kafka,
        topics,
        registry,
        logger,
        onAttempt,
        onSpill: (subscription) => guardMetrics.onSpill(endpointOf(subscription)),
        onTransaction: laneTransactions({ 'hookrail.lane': backfill ? `tier${tier}-backfill` : `tier${tier}` }),
        fail: context.fail,
        attempt: { config, topics, sender, userAgent: http.userAgent, jitterRatio: config.deliverer.jitterRatio, problemOf: registry.problem, guard, maxHoldMs: config.deliverer.breaker.maxHoldMs },
      }),
    );
  }

  guardMetrics.observeBuffered(() => {
    const buffered = new Map<string, number>();
    for (const subscription of registry.all()) {
      const endpoint = endpointOf(subscription);
      buffered.set(endpoint, (buffered.get(endpoint) ?? 0) + lanes.reduce((sum, lane) => sum + lane.pending(subscription.id), 0));
    }
    return buffered;
  });

  return {
    async stop() {
      await Promise.all(lanes.map((lane) => lane.stop()));
      await sender.close();
      await shared?.stop();
      await registry.stop();
    },
  };
}
