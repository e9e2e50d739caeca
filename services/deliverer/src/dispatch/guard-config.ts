import { z } from 'zod';
import { boolean, durationMs, integer } from '@hookrail/shared';

/** A share in (0, 1] or [0, 1]: named in the message, as the other fields do. */
const share = (what: string, min: 'open' | 'closed') => {
  const error = `expected ${what}: a number ${min === 'open' ? 'above 0' : 'from 0'} up to 1 (e.g. 0.5)`;
  const n = z.coerce.number({ error }).max(1, { error });
  return min === 'open' ? n.gt(0, { error }) : n.min(0, { error });
};

/**
 * The circuit breaker per endpoint, and per host for transport failures (docs/architecture.md,
 * "Protecting receivers", for why these defaults). On by default.
 */
export const breakerSchema = z
  .strictObject({
    enabled: boolean.default(true),
    /** Sliding window of outcomes the failure ratio is taken over. */
    windowMs: durationMs.refine((ms) => ms >= 1_000, { error: 'expected a window of at least 1s' }).default(60_000),
    /** Outcomes the window must hold before the breaker may open. */
    minRequests: integer(1, 100_000).default(20),
    failureRatio: share('the failed share of requests that opens the breaker', 'open').default(0.5),
    /** Cool-down before probes are let through. */
    openMs: durationMs.default(30_000),
    /** Up to this share of openMs is added at random to each cool-down. */
    jitterRatio: share('the jitter as a share of openMs', 'closed').default(0.2),
    /** Probe requests while half-open; this many successes close the breaker. */
    probes: integer(1, 100).default(3),
    /** Failed requests in a row that open the breaker at once (a sudden outage); 0 = the window rule only. */
    consecutiveFailures: integer(0, 100_000).default(10),
    /** How long past its ladder's horizon an open breaker may hold a delivery back before it is dead-lettered as circuit-open. */
    maxHoldMs: durationMs.default(30 * 60_000),
    /**
     * After the breaker closes, requests per second are capped at this multiple of the rate
     * before the outage… Just under 2: that rate counts the retries the receiver got before it,
     * so the release stays within twice its event rate.
     */
    rateFactor: z.coerce.number({ error: 'expected a recovery rate factor of at least 1 (e.g. 2)' }).min(1, { error: 'expected a recovery rate factor of at least 1 (e.g. 2)' }).default(1.8),
    /** …and at least this many per second… */
    minRatePerSecond: z.coerce.number({ error: 'expected a positive number of requests per second' }).positive({ error: 'expected a positive number of requests per second' }).default(1),
    /** …until the destination's requests over this long are about its normal rate again… */
    quietMs: durationMs.refine((ms) => ms >= 1_000, { error: 'expected at least 1s' }).default(10_000),
    /** …or this long has passed. */
    maxMs: durationMs.default(5 * 60_000),
  })
  .prefault({});

/** Adaptive concurrency per destination, between 1 and the subscription's maxInFlight. On by default. */
export const adaptiveSchema = z
  .strictObject({
    enabled: boolean.default(true),
    /** The limit is multiplied by this on a timeout, 429, 503 or a slow response. */
    backoffRatio: share('the backoff ratio', 'open')
      .refine((r) => r < 1, { error: 'expected the backoff ratio: a number above 0 and below 1 (e.g. 0.5)' })
      .default(0.5),
    /** A response slower than this × the destination's baseline latency is slow… */
    latencyTolerance: z.coerce.number({ error: 'expected a latency tolerance of at least 1 (e.g. 2)' }).min(1, { error: 'expected a latency tolerance of at least 1 (e.g. 2)' }).default(2),
    /** …and slower than this. */
    latencyFloorMs: durationMs.default(100),
    /** Time constant of the baseline latency's moving average. */
    baselineWindowMs: durationMs.refine((ms) => ms >= 1, { error: 'expected a duration of at least 1ms' }).default(60_000),
    /** Longest pause of a whole destination for one Retry-After. */
    maxPauseMs: durationMs.default(60_000),
  })
  .prefault({});
