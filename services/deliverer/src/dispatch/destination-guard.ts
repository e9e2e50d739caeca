import { AdaptiveLimit, type LimitSettings } from '../policy/adaptive-limit.ts';
import { CircuitBreaker, type BreakerSettings, type BreakerState } from '../policy/circuit-breaker.ts';
import type { Classification, AttemptResult } from '../policy/classify.ts';

/**
 * A circuit breaker and an adaptive concurrency limit per destination (the URL's origin),
 * shared by every tier lane of the process: the receiver is one, whoever sends to it.
 */
export interface GuardSettings {
  breaker: BreakerSettings & { enabled: boolean };
  adaptive: LimitSettings & { enabled: boolean };
}

/** What admit answers: send (and report the outcome with done), or not now. */
export type Admission =
  | { go: true; done(result: AttemptResult, classification: Classification, startedAt: number): void; release(): void }
  | { go: false; reason: 'circuit-open' | 'destination-paused'; retryAfterMs: number };

export interface DestinationView {
  destination: string;
  breaker: BreakerState;
  limit: number;
  /** The largest maxInFlight of the subscriptions sending to it. */
  maxInFlight: number;
}

export interface DestinationGuard {
  admit(url: string, maxInFlight: number): Admission;
  /** Requests the destination may have in flight now, between 1 and maxInFlight. */
  limit(url: string, maxInFlight: number): number;
  /** The destination's breaker state and limit, for the attempt log. */
  view(url: string): DestinationView | undefined;
  /** Every destination seen recently. */
  all(): DestinationView[];
}

interface Destination {
  breaker: CircuitBreaker;
  limiter: AdaptiveLimit;
  maxInFlight: number;
  lastUsed: number;
  /** The state last reported to onTransition. */
  reported: BreakerState;
}

/** Destinations idle this long with a closed breaker are forgotten (bounded memory). */
const IDLE_MS = 10 * 60_000;

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

const isOverload = (result: AttemptResult) => result.errorClass === 'timeout' || result.status === 429 || result.status === 503;

export function createDestinationGuard(options: {
  settings: GuardSettings;
  now?: () => number;
  random?: () => number;
  /** Called when a destination's breaker changes state (metrics, logs). */
  onTransition?: (destination: string, from: BreakerState, to: BreakerState) => void;
}): DestinationGuard {
  const { settings } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const destinations = new Map<string, Destination>();
  const origins = new Map<string, string>();
  let sweptAt = now();

  const keyOf = (url: string) => {
    let origin = origins.get(url);
    if (origin === undefined) {
      if (origins.size > 10_000) origins.clear();
      origins.set(url, (origin = originOf(url)));
    }
    return origin;
  };

  const sweep = (at: number) => {
    if (at - sweptAt < 60_000) return;
    sweptAt = at;
    for (const [key, d] of destinations) if (at - d.lastUsed > IDLE_MS && d.breaker.state(at) === 'closed') destinations.delete(key);
  };

  const destinationOf = (url: string, maxInFlight: number): [string, Destination] => {
    const key = keyOf(url);
    const at = now();
    sweep(at);
    let d = destinations.get(key);
    if (!d) destinations.set(key, (d = { breaker: new CircuitBreaker(settings.breaker, random), limiter: new AdaptiveLimit(settings.adaptive, maxInFlight), maxInFlight, lastUsed: at, reported: 'closed' }));
    d.lastUsed = at;
    d.maxInFlight = Math.max(d.maxInFlight, maxInFlight);
    return [key, d];
  };

  /** Runs a breaker call and reports a change of state. */
  const watched = <T>(key: string, d: Destination, at: number, call: () => T): T => {
    const result = call();
    const state = d.breaker.state(at);
    if (state !== d.reported) {
      options.onTransition?.(key, d.reported, state);
      d.reported = state;
    }
    return result;
  };

  const view = (key: string, d: Destination): DestinationView => ({
    destination: key,
    breaker: d.breaker.state(now()),
    limit: settings.adaptive.enabled ? d.limiter.limit(d.maxInFlight) : d.maxInFlight,
    maxInFlight: d.maxInFlight,
  });

  return {
    admit(url, maxInFlight) {
      const [key, d] = destinationOf(url, maxInFlight);
      const at = now();
      const paused = settings.adaptive.enabled ? d.limiter.pausedFor(at) : 0;
      if (paused > 0) return { go: false, reason: 'destination-paused', retryAfterMs: paused };
      const permit = settings.breaker.enabled ? watched(key, d, at, () => d.breaker.tryAcquire(at)) : { go: true as const, probe: false };
      if (!permit.go) return { go: false, reason: 'circuit-open', retryAfterMs: permit.retryAfterMs };
      let settled = false;
      return {
        go: true,
        done(result, classification, startedAt) {
          if (settled) return;
          settled = true;
          const end = now();
          const failed = classification.outcome === 'retry';
          if (settings.breaker.enabled) {
            // A permanent answer (400, 410, a blocked URL) is about the request, not the receiver's health.
            watched(key, d, end, () => d.breaker.record(permit, classification.outcome === 'permanent' ? undefined : failed, end));
          }
          if (settings.adaptive.enabled) {
            const overload = isOverload(result);
            d.limiter.record(
              { startedAt, durationMs: result.durationMs, overload, failed: failed && !overload, retryAfterMs: result.retryAfterMs },
              d.maxInFlight,
              end,
            );
          }
        },
        release() {
          if (settled) return;
          settled = true;
          if (settings.breaker.enabled) d.breaker.record(permit, undefined, now());
        },
      };
    },
    limit(url, maxInFlight) {
      if (!settings.adaptive.enabled) return maxInFlight;
      const d = destinations.get(keyOf(url));
      return d ? Math.min(maxInFlight, d.limiter.limit(d.maxInFlight)) : maxInFlight;
    },
    view(url) {
      const key = keyOf(url);
      const d = destinations.get(key);
      return d ? view(key, d) : undefined;
    },
    all: () => [...destinations].map(([key, d]) => view(key, d)),
  };
}
