import { hostname } from 'node:os';
import { z } from 'zod';
import { adaptiveSchema, breakerSchema } from './dispatch/guard-config.ts';
import { allowList } from './policy/allow-list.ts';
import { baseConfigSchema, baseEnv, DEFAULT_OPS_PORTS, opsSchema, boolean, durationMs, integer, list, type Tier } from '@hookrail/shared';

const tier = z.coerce
  .number({ error: 'expected tiers 1, 2 and/or 3' })
  .refine((n): n is Tier => n === 1 || n === 2 || n === 3, { error: 'expected tiers 1, 2 and/or 3' });

export const delivererConfigSchema = baseConfigSchema.extend({
  ops: opsSchema(DEFAULT_OPS_PORTS.deliverer),
  deliverer: z
    .strictObject({
      /** The tiers this process serves; each gets its own consumer, buffer and transactions. */
      tiers: list(tier)
        .refine((tiers) => tiers.length > 0, { error: 'expected at least one tier' })
        .default([1, 2, 3]),
      /** Stable per instance: a restart with the same id fences the crashed predecessor. */
      instanceId: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, { error: 'expected letters, digits, ".", "_" or "-"' })
        .default(hostname().replace(/[^A-Za-z0-9._-]/g, '-')),
      /** Records held per tier between fetch and commit (in flight, waiting, committing). */
      maxBuffered: integer(1, 100_000).default(2_000),
      /** Offsets a partition may run ahead of its committed offset (commit metadata bound). */
      maxWindow: integer(100, 20_000).default(10_000),
      /**
       * An ordered key's head retrying in place is moved to the tier's parking topic (with the
       * events behind it) once this many offsets of its partition were read past it.
       */
      parkAfter: integer(1, 20_000).default(1_000),
      /** Retry records due within this are held in memory; later ones pause their partition. */
      holdMs: durationMs.default(10_000),
      /** How long outcomes gather before their transaction. */
      commitIntervalMs: durationMs.default(20),
      jitterRatio: z.coerce.number().min(0).max(1).default(0.1),
      /** How long a shutdown waits for requests in flight before handing them back. */
      drainMs: durationMs.default(15_000),
      /** Circuit breaker per endpoint (and per host for transport failures), recovery after it closes. */
      breaker: breakerSchema,
      /** Adaptive concurrency per destination. */
      adaptive: adaptiveSchema,
      /** A backfill lane per tier (topic <prefix>.tier<N>.backfill, group <prefix>-deliverer-tier<N>-backfill). */
      backfillLanes: boolean.default(true),
      http: z
        .strictObject({
          connectTimeoutMs: durationMs.default(5_000),
          headersTimeoutMs: durationMs.default(10_000),
          bodyTimeoutMs: durationMs.default(10_000),
          totalTimeoutMs: durationMs.default(30_000),
          connectionsPerOrigin: integer(1, 10_000).default(64),
          maxResponseBytes: integer(0, 16 * 1024 * 1024).default(64 * 1024),
          requireHttps: boolean.default(true),
          /** SSRF exceptions: 'loopback', 'private', … or CIDRs. Empty = public addresses only. */
          allow: allowList.default([]),
          userAgent: z.string().min(1).default('hookrail/0.1 (+https://github.com/hookrail/hookrail)'),
        })
        .prefault({}),
    })
    .refine((deliverer) => deliverer.parkAfter < deliverer.maxWindow, {
      error: 'expected parkAfter below maxWindow (a retrying head is parked only while its partition can still read that far past it)',
      path: ['parkAfter'],
    })
    .prefault({}),
});

export type DelivererConfig = z.infer<typeof delivererConfigSchema>;

export const delivererEnv: Record<string, string> = {
  ...baseEnv,
  HOOKRAIL_INSTANCE_ID: 'deliverer.instanceId',
  HOOKRAIL_DELIVERER_TIERS: 'deliverer.tiers',
  HOOKRAIL_DELIVERER_MAX_BUFFERED: 'deliverer.maxBuffered',
  HOOKRAIL_DELIVERER_MAX_WINDOW: 'deliverer.maxWindow',
  HOOKRAIL_DELIVERER_PARK_AFTER: 'deliverer.parkAfter',
  HOOKRAIL_DELIVERER_HOLD: 'deliverer.holdMs',
  HOOKRAIL_DELIVERER_COMMIT_INTERVAL: 'deliverer.commitIntervalMs',
  HOOKRAIL_DELIVERER_JITTER_RATIO: 'deliverer.jitterRatio',
  HOOKRAIL_DELIVERER_DRAIN: 'deliverer.drainMs',
  HOOKRAIL_DELIVERER_BACKFILL_LANES: 'deliverer.backfillLanes',
  HOOKRAIL_HTTP_CONNECT_TIMEOUT: 'deliverer.http.connectTimeoutMs',
  HOOKRAIL_HTTP_HEADERS_TIMEOUT: 'deliverer.http.headersTimeoutMs',
  HOOKRAIL_HTTP_BODY_TIMEOUT: 'deliverer.http.bodyTimeoutMs',
  HOOKRAIL_HTTP_TOTAL_TIMEOUT: 'deliverer.http.totalTimeoutMs',
  HOOKRAIL_HTTP_CONNECTIONS_PER_ORIGIN: 'deliverer.http.connectionsPerOrigin',
  HOOKRAIL_HTTP_REQUIRE_HTTPS: 'deliverer.http.requireHttps',
  HOOKRAIL_HTTP_ALLOW: 'deliverer.http.allow',
  HOOKRAIL_BREAKER_ENABLED: 'deliverer.breaker.enabled',
  HOOKRAIL_BREAKER_WINDOW: 'deliverer.breaker.windowMs',
  HOOKRAIL_BREAKER_MIN_REQUESTS: 'deliverer.breaker.minRequests',
  HOOKRAIL_BREAKER_FAILURE_RATIO: 'deliverer.breaker.failureRatio',
  HOOKRAIL_BREAKER_OPEN: 'deliverer.breaker.openMs',
  HOOKRAIL_BREAKER_PROBES: 'deliverer.breaker.probes',
  HOOKRAIL_BREAKER_CONSECUTIVE_FAILURES: 'deliverer.breaker.consecutiveFailures',
  HOOKRAIL_BREAKER_MAX_HOLD: 'deliverer.breaker.maxHoldMs',
  HOOKRAIL_BREAKER_RECOVERY_RATE_FACTOR: 'deliverer.breaker.rateFactor',
  HOOKRAIL_BREAKER_RECOVERY_MIN_RATE: 'deliverer.breaker.minRatePerSecond',
  HOOKRAIL_BREAKER_RECOVERY_QUIET: 'deliverer.breaker.quietMs',
  HOOKRAIL_BREAKER_RECOVERY_MAX: 'deliverer.breaker.maxMs',
  HOOKRAIL_ADAPTIVE_CONCURRENCY: 'deliverer.adaptive.enabled',
};
