import { z } from 'zod';
import { baseConfigSchema, baseEnv, DEFAULT_OPS_PORTS, opsSchema, boolean, durationMs, integer } from '@hookrail/shared';

const severity = z.enum(['critical', 'major', 'minor'], { error: 'expected critical, major or minor' });
const positive = (what: string) => z.coerce.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const nonNegative = (what: string) => z.coerce.number({ error: `expected ${what}` }).nonnegative({ error: `expected ${what}` });

/** One value per tier, YAML `{1: …, 2: …, 3: …}` like the top-level `tiers`. */
const perTier = (item: ReturnType<typeof z.coerce.number>, defaults: readonly [number, number, number]) =>
  z.strictObject({ 1: item.default(defaults[0]), 2: item.default(defaults[1]), 3: item.default(defaults[2]) }).prefault({});

/** What every rule shares: how long the condition must hold, how long its clearing must hold. */
const ruleBase = (defaults: { forMs: number; keepFiringForMs: number; severity?: z.infer<typeof severity> }) => ({
  enabled: boolean.default(true),
  /** The condition must hold this long before the alert fires (Prometheus `for`). */
  forMs: durationMs.default(defaults.forMs),
  /** A firing alert resolves only after its condition stayed clear this long (`keep_firing_for`). */
  keepFiringForMs: durationMs.default(defaults.keepFiringForMs),
  /** Overrides the severity derived from the rule's data-loss risk, downtime and user impact. */
  severity: severity.optional(),
});

export const alertsSchema = z
  .strictObject({
    /**
     * Multiplies every alert window, `for`, `keepFiringFor`, the likelihood history window and
     * the status window. 1 in production; e.g. 0.005 in tests (1 h → 18 s).
     */
    timeScale: z.coerce.number({ error: 'expected a positive number' }).positive().max(1_000).default(1),
    /** A firing alert clears only once its value falls to threshold × resolveRatio (hysteresis). */
    resolveRatio: z.coerce.number().min(0).max(1).default(0.9),
    /** Ratio rules need at least this many attempts in their window. */
    minAttempts: integer(1).default(10),
    /** Recurrences of an alert in this window set its likelihood. */
    historyWindowMs: durationMs.default(7 * 86_400_000),
    sloBreach: z
      .strictObject({ ...ruleBase({ forMs: 300_000, keepFiringForMs: 300_000 }), windowMs: durationMs.default(3_600_000) })
      .prefault({}),
    burnFast: z
      .strictObject({
        ...ruleBase({ forMs: 120_000, keepFiringForMs: 120_000 }),
        longWindowMs: durationMs.default(3_600_000),
        shortWindowMs: durationMs.default(300_000),
        factor: positive('a burn-rate factor such as 14.4').default(14.4),
      })
      .prefault({}),
    burnSlow: z
      .strictObject({
        ...ruleBase({ forMs: 900_000, keepFiringForMs: 900_000 }),
        longWindowMs: durationMs.default(21_600_000),
        shortWindowMs: durationMs.default(1_800_000),
        factor: positive('a burn-rate factor such as 6').default(6),
      })
      .prefault({}),
    lag: z
      .strictObject({
        ...ruleBase({ forMs: 300_000, keepFiringForMs: 300_000 }),
        /** Time lag of a tier's deliverer (and of the router, with tier 1's value) on its tier topic. */
        thresholdSeconds: perTier(positive('a number of seconds'), [120, 600, 1_800]),
      })
      .prefault({}),
    queueLength: z
      .strictObject({
        ...ruleBase({ forMs: 600_000, keepFiringForMs: 600_000 }),
        /** Records waiting in a tier's topic, its retry topics and its parking topic together. */
        threshold: perTier(nonNegative('a number of records'), [10_000, 50_000, 100_000]),
      })
      .prefault({}),
    dlqInflow: z
      .strictObject({
        ...ruleBase({ forMs: 0, keepFiringForMs: 600_000 }),
        windowMs: durationMs.default(600_000),
        /** Dead letters of the tier in the window above this fire (0: any). */
        threshold: perTier(nonNegative('a number of dead letters'), [0, 0, 10]),
      })
      .prefault({}),
    groupStatus: z
      .strictObject({ ...ruleBase({ forMs: 120_000, keepFiringForMs: 120_000 }) })
      .prefault({}),
    /** A destination's circuit breaker stayed open (or half-open) this long. */
    breakerOpen: z
      .strictObject({ ...ruleBase({ forMs: 60_000, keepFiringForMs: 120_000 }) })
      .prefault({}),
    /** Fires while a subscription stays auto-disabled (autoDisable below); resolves when it is enabled. */
    autoDisabled: z
      .strictObject({ ...ruleBase({ forMs: 0, keepFiringForMs: 0 }) })
      .prefault({}),
    sinks: z
      .strictObject({
        log: boolean.default(true),
        /** Alert state changes to `<prefix>.alerts`, keyed by the alert's fingerprint. */
        topic: boolean.default(true),
        webhook: z
          .strictObject({
            /** POSTs every alert state change here; unset: no webhook. */
            url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
            /** `webhook`: what Alertmanager sends to its webhook receivers (version 4);
             *  `api`: what Alertmanager's POST /api/v2/alerts accepts (an array of alerts). */
            format: z.enum(['webhook', 'api'], { error: 'expected webhook or api' }).default('webhook'),
            timeoutMs: durationMs.default(5_000),
            retries: integer(0, 10).default(3),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * Endpoint auto-disable (policy/auto-disable.ts): off unless a tier has a window. Not scaled
 * by alerts.timeScale: a test sets a short window itself.
 */
export const autoDisableSchema = z
  .strictObject({
    /** Per tier: disable a subscription after this long of continuous failure; 0 (the default) is off. */
    afterMs: z.strictObject({ 1: durationMs.default(0), 2: durationMs.default(0), 3: durationMs.default(0) }).prefault({}),
    /** Failed attempts the window must hold at least. */
    minFailures: integer(1, 100_000).default(10),
  })
  .prefault({});

export const scoringSchema = z
  .strictObject({
    /** Impact = 10 × tier weight × √(share of the tier's traffic affected). */
    tierWeights: perTier(z.coerce.number().min(0).max(1), [1, 0.5, 0.2]),
    /** Lowest score of each priority; below P3 is P4. */
    priorities: z
      .strictObject({ P1: nonNegative('a score').default(25), P2: nonNegative('a score').default(10), P3: nonNegative('a score').default(4) })
      .prefault({}),
  })
  .prefault({});

export const monitorConfigSchema = baseConfigSchema.extend({
  ops: opsSchema(DEFAULT_OPS_PORTS.monitor),
  monitor: z
    .strictObject({
      /** How often offsets are read from the broker. */
      pollIntervalMs: durationMs.default(5_000),
      /** How often alert rules are evaluated. */
      evaluationIntervalMs: durationMs.default(15_000),
      /** Window of the success rates and latencies on /status (scaled by alerts.timeScale). */
      statusWindowMs: durationMs.default(300_000),
      /**
       * How people reach this monitor (behind a proxy, a load balancer, a port mapping): alert
       * generator URLs and runbook links start with it. Unset: http://<hostname>:<ops port>.
       */
      externalUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
      /** Where the runbooks are; `#<alertname in lower case>` is appended. Unset: <externalUrl>/runbooks.html. */
      runbookUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
      lag: z
        .strictObject({
          /** Observations per partition the Burrow-like status looks at. */
          windowSize: integer(2, 1_000).default(10),
          /** Offset lag this small counts as none: transaction markers hold the end offset 1 ahead. */
          controlRecordTolerance: integer(0, 1_000).default(1),
        })
        .prefault({}),
      alerts: alertsSchema,
      scoring: scoringSchema,
      autoDisable: autoDisableSchema,
    })
    .prefault({}),
});

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
export type AlertsConfig = MonitorConfig['monitor']['alerts'];
export type ScoringConfig = MonitorConfig['monitor']['scoring'];

export const monitorEnv: Record<string, string> = {
  ...baseEnv,
  HOOKRAIL_MONITOR_POLL_INTERVAL: 'monitor.pollIntervalMs',
  HOOKRAIL_MONITOR_EVALUATION_INTERVAL: 'monitor.evaluationIntervalMs',
  HOOKRAIL_MONITOR_STATUS_WINDOW: 'monitor.statusWindowMs',
  HOOKRAIL_MONITOR_EXTERNAL_URL: 'monitor.externalUrl',
  HOOKRAIL_MONITOR_RUNBOOK_URL: 'monitor.runbookUrl',
  HOOKRAIL_ALERTS_TIME_SCALE: 'monitor.alerts.timeScale',
  HOOKRAIL_ALERTS_TOPIC: 'monitor.alerts.sinks.topic',
  HOOKRAIL_ALERTS_WEBHOOK_URL: 'monitor.alerts.sinks.webhook.url',
  HOOKRAIL_ALERTS_WEBHOOK_FORMAT: 'monitor.alerts.sinks.webhook.format',
  HOOKRAIL_AUTO_DISABLE_TIER1: 'monitor.autoDisable.afterMs.1',
  HOOKRAIL_AUTO_DISABLE_TIER2: 'monitor.autoDisable.afterMs.2',
  HOOKRAIL_AUTO_DISABLE_TIER3: 'monitor.autoDisable.afterMs.3',
  HOOKRAIL_AUTO_DISABLE_MIN_FAILURES: 'monitor.autoDisable.minFailures',
};
