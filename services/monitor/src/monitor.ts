import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createSubscriptionRegistry, fetchBounds, readToEnd, TIERS, type RunningService, type ServiceContext, type Tier } from '@hookrail/shared';
import { AlertEngine, type AlertRecord } from './alerts/engine.ts';
import { logSink, notifyAll, topicSink, webhookSink, type AlertSink } from './alerts/sinks.ts';
import { createAutoDisabler } from './auto-disable.ts';
import { startAttemptsConsumer } from './attempts-consumer.ts';
import type { MonitorConfig } from './config.ts';
import { DeliveryStats, emptySummary } from './delivery-stats.ts';
import { LagTracker } from './lag-tracker.ts';
import { createMonitorMetrics } from './metrics.ts';
import { readOffsets, type OffsetSnapshot } from './offsets.ts';
import { evaluateRules, formatDuration, type Signals } from './policy/alert-rules.ts';
import { burnRate } from './policy/burn-rate.ts';
import { DestinationBreakers } from './policy/destination-breakers.ts';
import { OpenDeliveries } from './policy/open-deliveries.ts';
import { slotFor } from './policy/sliding-window.ts';
import { queueLengths, tierQueueLength } from './policy/topology.ts';
import { runbookAnchor, runbooksHtml } from './runbooks.ts';
import { buildStatus, type QueueSample, type StatusReport, type SubscriptionStatus, type TierSample } from './status.ts';
import { renderStatusPage } from './status-page.ts';
import { deleteThrowawayGroup } from './throwaway-group.ts';

const QUEUE_HISTORY = 120;

/** The windows the monitor needs, scaled by alerts.timeScale. */
export function monitorWindows(config: MonitorConfig) {
  const { alerts, statusWindowMs } = config.monitor;
  const scale = (ms: number) => Math.max(1, Math.round(ms * alerts.timeScale));
  const tierSpanMs = scale(Math.max(alerts.burnSlow.longWindowMs, alerts.burnFast.longWindowMs, alerts.sloBreach.windowMs, alerts.dlqInflow.windowMs, statusWindowMs));
  const shortest = scale(Math.min(alerts.burnFast.shortWindowMs, alerts.burnSlow.shortWindowMs, alerts.sloBreach.windowMs, alerts.dlqInflow.windowMs, statusWindowMs));
  const subscriptionSpanMs = scale(
    Math.max(statusWindowMs, alerts.sloBreach.windowMs, alerts.burnFast.shortWindowMs, alerts.burnSlow.shortWindowMs, alerts.dlqInflow.windowMs),
  );
  return {
    scale,
    tierSpanMs,
    tierSlotMs: Math.max(slotFor(shortest), Math.ceil(tierSpanMs / 5_000)),
    subscriptionSpanMs,
    subscriptionSlotMs: Math.max(10, Math.ceil(subscriptionSpanMs / 120)),
    statusWindowMs: scale(statusWindowMs),
    historyWindowMs: scale(alerts.historyWindowMs),
  };
}

/**
 * The monitor: offsets on an interval (lag, time lag, group status, queue lengths), the
 * attempts topic (delivery signals), alert rules on an interval (scored, sent to the sinks),
 * OpenTelemetry metrics, /status and the status page.
 */
export async function startMonitor(context: ServiceContext<MonitorConfig>): Promise<RunningService> {
  const { config, kafka, logger, telemetry, topics, ops } = context;
  const settings = config.monitor;
  const prefix = config.topics.prefix;
  const windows = monitorWindows(config);
  const stats = new DeliveryStats(windows);
  const externalURL = (settings.externalUrl ?? `http://${hostname()}:${ops.port}`).replace(/\/+$/, '');
  const runbookBase = settings.runbookUrl ?? `${externalURL}/runbooks.html`;
  const runbookUrl = (name: string) => `${runbookBase}#${runbookAnchor(name)}`;
  // The subscriptions (server.address, and counters that start at 0 for every known one).
  const registry = createSubscriptionRegistry({ kafka, topic: topics.subscriptions, logger, owner: 'monitor' });
  const serverAddress = (id: string) => {
    const url = registry.get(id)?.url;
    if (url === undefined) return undefined;
    try {
      return new URL(url).hostname;
    } catch {
      return undefined;
    }
  };
  const lagTracker = new LagTracker({
    prefix,
    windowSize: settings.lag.windowSize,
    tolerance: settings.lag.controlRecordTolerance,
    retryAllowanceMs: 60_000 + 2 * settings.pollIntervalMs,
  });
  const engine = new AlertEngine({
    historyWindowMs: windows.historyWindowMs,
    tierWeights: settings.scoring.tierWeights,
    priorities: settings.scoring.priorities,
    runbookUrl,
  });
  const slo = { 1: config.tiers[1].slo, 2: config.tiers[2].slo, 3: config.tiers[3].slo } as Record<Tier, number>;
  let latest: OffsetSnapshot | undefined;
  let queues = new Map<string, number>();
  const queueHistory: QueueSample[] = [];
  const tierHistory: TierSample[] = [];
  const open = new OpenDeliveries();
  // Circuit breaker state per destination, as the deliverers report it in the attempt log.
  const breakers = new DestinationBreakers(windows.statusWindowMs);
  let stopping = false;

  // --- metrics
  const metricWindows = [
    settings.alerts.burnFast.shortWindowMs,
    settings.alerts.burnSlow.shortWindowMs,
    settings.alerts.burnFast.longWindowMs,
    settings.alerts.burnSlow.longWindowMs,
  ];
  const metrics = createMonitorMetrics(telemetry.meter, {
    prefix,
    groups: () => lagTracker.groups,
    queues: () => queues,
    windows: () => {
      const now = Date.now();
      return TIERS.flatMap((tier) =>
        [...new Set(metricWindows)].map((ms) => {
          const summary = stats.tier(tier, now, windows.scale(ms));
          const ratio = summary.attempts > 0 ? 1 - summary.delivered / summary.attempts : null;
          return { tier, window: formatDuration(ms), successRate: summary.successRate, burnRate: burnRate(ratio, slo[tier]) };
        }),
      );
    },
    alerts: () => engine.active(),
    serverAddress,
    disabled: () => registry.all().flatMap((s) => (s.disabled ? [{ id: s.id, tier: s.tier, by: s.disabled.by }] : [])),
  });
  registry.onChange((_id, subscription) => {
    if (subscription) metrics.knowSubscription(subscription.tier, subscription.id);
  });
  const autoDisabler = createAutoDisabler({ kafka, registry, topic: topics.subscriptions, settings: settings.autoDisable, logger });
  await registry.start();
  for (const subscription of registry.all()) metrics.knowSubscription(subscription.tier, subscription.id);

  const firingRecords = new Map<string, AlertRecord>();
  const changesFor = (fingerprints: string[]) => fingerprints.flatMap((f) => (firingRecords.has(f) ? [firingRecords.get(f)!] : []));
  const remember = (records: AlertRecord[]) => {
    for (const r of records) {
      if (r.status === 'firing') firingRecords.set(r.fingerprint, r);
      else firingRecords.delete(r.fingerprint);
    }
  };

  const readAlertHistory = async (since: number) => {
    const records: AlertRecord[] = [];
    const groupId = `${prefix}-monitor-history-${randomUUID()}`;
    try {
      await readToEnd({
        kafka,
        topic: topics.alerts,
        groupId,
        onBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            try {
              const record = JSON.parse(message.value?.toString() ?? '') as AlertRecord;
              if (record.fingerprint && Date.parse(record.at) >= since) records.push(record);
            } catch {
              // not an alert record: skip
            }
          }
        },
      });
    } finally {
      await deleteThrowawayGroup(kafka, groupId);
    }
    return records;
  };

  // --- sinks
  const sinks: AlertSink[] = [];
  if (settings.alerts.sinks.log) sinks.push(logSink(logger.child({ component: 'alerts' })));
  const producer = settings.alerts.sinks.topic ? kafka.producer({ idempotent: true, maxInFlightRequests: 1 }) : undefined;
  if (producer) {
    await producer.connect();
    sinks.push(topicSink(producer, topics.alerts));
  }
  const webhook = settings.alerts.sinks.webhook;
  if (webhook.url) sinks.push(webhookSink({ url: webhook.url, format: webhook.format, timeoutMs: webhook.timeoutMs, retries: webhook.retries, externalURL }, logger));

  // --- alert history (likelihood) and alerts still firing, from the alerts topic
  for (let attempt = 1; ; attempt++) {
    try {
      const records = await readAlertHistory(Date.now() - windows.historyWindowMs);
      engine.restore(records);
      remember(records);
      if (records.length > 0) logger.info({ records: records.length, firing: engine.active().length }, 'alert history restored');
      break;
    } catch (error) {
      // Right after the topics were created their leaders may still move: try again briefly.
      if (attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        continue;
      }
      logger.warn({ err: error }, 'reading the alert history failed; likelihoods start from scratch');
      break;
    }
  }

  // --- offsets
  const admin = kafka.admin();
  await admin.connect();
  const poll = async () => {
    try {
      latest = await readOffsets(admin, prefix, topics);
      lagTracker.update(latest);
      queues = queueLengths(latest.topics, latest.lag, prefix);
      const at = new Date(latest.at).toISOString();
      queueHistory.push({ at, tiers: Object.fromEntries(TIERS.map((tier) => [String(tier), tierQueueLength(queues, prefix, tier)])) });
      if (queueHistory.length > QUEUE_HISTORY) queueHistory.splice(0, queueHistory.length - QUEUE_HISTORY);
      const now = Date.now();
      tierHistory.push({
        at,
        tiers: Object.fromEntries(
          TIERS.map((tier) => {
            const group = lagTracker.groups.find((g) => g.role === 'deliverer' && g.tier === tier);
            return [
              String(tier),
              {
                successRate: stats.tier(tier, now, windows.statusWindowMs).successRate,
                lag: group?.lag ?? null,
                lagSeconds: group?.maxLagSeconds ?? null,
                queue: tierQueueLength(queues, prefix, tier),
              },
            ];
          }),
        ),
      });
      if (tierHistory.length > QUEUE_HISTORY) tierHistory.splice(0, tierHistory.length - QUEUE_HISTORY);
    } catch (error) {
      logger.warn({ err: error }, 'reading offsets failed; keeping the last reading');
    }
  };

  // --- attempts
  const attempts = await startAttemptsConsumer({
    kafka,
    topic: topics.attempts,
    groupId: `${prefix}-monitor`,
    // Auto-disable's streaks need its longest window back after a restart.
    replayMs: Math.max(windows.tierSpanMs, ...Object.values(settings.autoDisable.afterMs)),
    logger,
    fetch: fetchBounds(config.kafka),
    onEntry: (entry, replay) => {
      stats.add(entry, Date.now());
      autoDisabler.record(entry);
      open.record(entry.deliveryId, entry.subscriptionId, entry.outcome);
      breakers.record(entry);
      if (replay) metrics.knowSubscription(entry.tier, entry.subscriptionId);
      else metrics.recordAttempt(entry);
    },
    onInvalid: () => metrics.recordInvalid(),
    onCrash: context.fail,
  });

  // --- alerts
  const signals = (now: number): Signals => ({
    now,
    tier: (tier, windowMs) => stats.tier(tier, now, windowMs),
    subscriptions: (tier, windowMs) => stats.subscriptions(tier, now, windowMs),
    queueLength: (tier) => (latest ? tierQueueLength(queues, prefix, tier) : null),
    groups: lagTracker.groups
      .filter((g) => g.role === 'router' || g.role === 'deliverer')
      .map((g) => ({ group: g.group, tier: g.tier ?? 'all', status: g.status, lagSeconds: g.deliveryLagSeconds })),
    destinations: (tier) => breakers.notClosed(tier, now),
    autoDisabled: autoDisabler.disabled(),
  });
  const lastSent = new Map<string, number>();
  const evaluate = async () => {
    const now = Date.now();
    await autoDisabler.evaluate(now);
    const changes = engine.evaluate(evaluateRules({ alerts: settings.alerts, tiers: config.tiers, prefix }, signals(now)), now);
    await notifyAll(sinks, changes, logger);
    for (const change of changes) lastSent.set(change.fingerprint, now);
    if (webhook.url && webhook.format === 'api') {
      // Alertmanager forgets an alert it has not heard of for resolve_timeout: say it again.
      const again = engine
        .active()
        .filter((a) => a.phase === 'firing' && now - (lastSent.get(a.fingerprint) ?? 0) >= 60_000)
        .map((a) => a.fingerprint);
      if (again.length > 0) {
        const resend = changesFor(again);
        await notifyAll(sinks.filter((s) => s.name === 'webhook'), resend, logger);
        for (const fingerprint of again) lastSent.set(fingerprint, now);
      }
    }
    stats.prune(now);
  };
  sinks.push({ name: 'memory', send: async (records) => remember([...records]) });

  // Serial loops: a slow broker or webhook delays the next round instead of stacking rounds.
  const loop = (intervalMs: number, body: () => Promise<void>) => {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = () => {
      running = body()
        .catch((error: unknown) => logger.error({ err: error }, 'monitor round failed'))
        .finally(() => {
          if (!stopping) timer = setTimeout(tick, intervalMs);
        });
    };
    tick();
    return async () => {
      clearTimeout(timer);
      await running;
    };
  };
  await poll();
  const stopPolling = loop(settings.pollIntervalMs, poll);
  const stopEvaluating = loop(settings.evaluationIntervalMs, evaluate);

  // --- status
  /** Every subscription with attempts in the window, in flight, or in the registry. */
  const subscriptionRows = (now: number): SubscriptionStatus[] => {
    const seen = new Map(stats.subscriptions(undefined, now, windows.statusWindowMs).map((s) => [s.id, s]));
    for (const s of registry.all()) if (!seen.has(s.id)) seen.set(s.id, { id: s.id, tier: s.tier, ...emptySummary() });
    const disabledOf = (id: string) => registry.get(id)?.disabled;
    return [...seen.values()].map((s) => ({ ...s, inFlight: open.of(s.id), ...(disabledOf(s.id) ? { disabled: disabledOf(s.id) } : {}) })).sort((a, b) => a.tier - b.tier || a.id.localeCompare(b.id));
  };
  const statusNow = (): StatusReport => {
    const now = Date.now();
    return buildStatus({
      now,
      prefix,
      window: { nominal: formatDuration(settings.statusWindowMs), ms: windows.statusWindowMs },
      slo,
      tier: (tier) => stats.tier(tier, now, windows.statusWindowMs),
      failures: (tier) => stats.failures(tier, now, windows.statusWindowMs),
      subscriptions: subscriptionRows(now),
      destinations: breakers.list(now),
      groups: lagTracker.groups,
      queues,
      tierQueue: (tier) => (latest ? tierQueueLength(queues, prefix, tier) : null),
      offsetsAt: latest?.at ?? null,
      alerts: engine.active(),
      queueHistory,
      tierHistory,
    });
  };
  ops.route('/status', (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(statusNow(), null, 2));
  });
  const page = (_request: unknown, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(renderStatusPage(statusNow()));
  };
  ops.route('/status.html', page);
  ops.route('/', page);
  const runbooks = runbooksHtml();
  ops.route('/runbooks.html', (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(runbooks);
  });

  logger.info(
    { externalURL, timeScale: settings.alerts.timeScale, tierSpanMs: windows.tierSpanMs, tierSlotMs: windows.tierSlotMs, sinks: sinks.map((s) => s.name).filter((n) => n !== 'memory') },
    'monitor started',
  );
  return {
    async stop() {
      stopping = true;
      await stopEvaluating();
      await stopPolling();
      await attempts.stop();
      await autoDisabler.stop();
      await producer?.disconnect();
      await admin.disconnect();
      await registry.stop();
    },
  };
}
