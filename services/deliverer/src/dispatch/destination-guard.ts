import { AdaptiveLimit, type LimitSettings } from '../policy/adaptive-limit.ts';
import { CircuitBreaker, type BreakerSettings, type BreakerState, type Permit } from '../policy/circuit-breaker.ts';
import type { Classification, AttemptResult, ErrorClass } from '../policy/classify.ts';
import { Recovery, type RecoverySettings } from '../policy/recovery.ts';

/**
 * Receiver protection, shared by every tier lane of the process (docs/architecture.md,
 * "Protecting receivers"). What each mechanism judges is what its evidence is about:
 *
 * - **Per endpoint** (the subscription's URL without its query, or the subscription's
 *   `endpointGroup`): a circuit breaker over unavailability (timeouts, 408, 429, 502-504), a
 *   Retry-After pause, the adaptive in-flight limit, and the recovery after an outage (slow
 *   start, a capped release rate). A 503 on one path of a host says nothing about another.
 * - **Per host** (the URL's origin): a circuit breaker over transport failures only (connection
 *   refused or reset, DNS, TLS): those concern the machine, whichever path was asked. Any HTTP
 *   answer, whatever its status, counts as the host being reachable.
 */
export interface GuardSettings {
  breaker: BreakerSettings & RecoverySettings & { enabled: boolean };
  adaptive: LimitSettings & { enabled: boolean };
}

/** What the guard needs of a subscription. */
export interface Target {
  url: string;
  endpointGroup?: string | undefined;
  maxInFlight: number;
}

/** Why a delivery is held back without a request. */
export type HoldReason = 'circuit-open' | 'destination-paused';

/** What admit answers: send (and report the outcome with done), or not now. */
export type Admission =
  | { go: true; done(result: AttemptResult, classification: Classification, startedAt: number): void; release(): void }
  | { go: false; reason: HoldReason; retryAfterMs: number };

export interface DestinationView {
  /** The endpoint: `origin/path`, or `group:<name>`. */
  destination: string;
  /** The endpoint's breaker, or its host's when that one is worse. */
  breaker: BreakerState;
  limit: number;
  /** The largest maxInFlight of the subscriptions sending to it. */
  maxInFlight: number;
  /** Requests per second allowed while recovering from an outage (unset: not recovering). */
  recoveryCap?: number;
}

/** How a breaker changed state: whose breaker, until when it is open, and whether another instance's state was adopted. */
export interface Transition {
  kind: 'endpoint' | 'host';
  openUntil: number;
  adopted: boolean;
}

/** A breaker state learnt from another instance (`dispatch/shared-breakers.ts`). */
export type SharedBreakerState = { state: 'open'; until: number } | { state: 'closed' };

export interface DestinationGuard {
  admit(target: Target): Admission;
  /** Held back now whatever a permit would say (breaker open, destination paused): why and for how long. */
  blockedFor(target: Target): { reason: HoldReason; ms: number } | undefined;
  /** Requests in flight (slow start, adaptive limit) and per second (recovery cap) the endpoint may have now. */
  limits(target: Target): { maxInFlight: number; ratePerSecond?: number };
  /** The endpoint's breaker state and limit, for the attempt log. */
  view(target: Target): DestinationView | undefined;
  /** Every endpoint seen recently. */
  all(): DestinationView[];
  /**
   * Applies a breaker state another instance published for an endpoint: its opening (this
   * instance then waits for that one's probes, unless its own cool-down ends first) or its
   * closing (this instance's recovery starts too).
   */
  adopt(destination: string, shared: SharedBreakerState): void;
}

interface Breaker {
  breaker: CircuitBreaker;
  lastUsed: number;
  /** The state last reported to onTransition. */
  reported: BreakerState;
}

interface Endpoint extends Breaker {
  limiter: AdaptiveLimit;
  recovery: Recovery;
  maxInFlight: number;
}

/** Endpoints and hosts idle this long with a closed breaker are forgotten (bounded memory). */
const IDLE_MS = 10 * 60_000;

/** Transport failures: evidence about the host, not the endpoint's handler. */
const TRANSPORT: ReadonlySet<ErrorClass | undefined> = new Set(['connection', 'dns', 'tls']);

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The endpoint a subscription's deliveries go to, as the guard keys it (never the query: it may hold a token). */
export function endpointOf(target: Pick<Target, 'url' | 'endpointGroup'>): string {
  if (target.endpointGroup) return `group:${target.endpointGroup}`;
  try {
    const url = new URL(target.url);
    return `${url.origin}${url.pathname}`;
  } catch {
    return target.url;
  }
}

/**
 * What the endpoint's breaker counts as failed: the receiver unavailable or overloaded (a
 * timeout, 408/429, 502/503/504), not a handler's error about one request (a 500 on the first
 * tries of a delivery that succeeds on its third): those go through the ladder with real attempts.
 */
const UNAVAILABLE: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);
const isUnavailable = (result: AttemptResult) => result.errorClass === 'timeout' || (result.status !== undefined && UNAVAILABLE.has(result.status));

const isOverload = (result: AttemptResult) => result.errorClass === 'timeout' || result.status === 429 || result.status === 503;

const worse = (a: BreakerState, b: BreakerState): BreakerState => (a === 'open' || b === 'open' ? 'open' : a === 'half-open' || b === 'half-open' ? 'half-open' : 'closed');

export function createDestinationGuard(options: {
  settings: GuardSettings;
  now?: () => number;
  random?: () => number;
  /** Called when an endpoint's or a host's breaker changes state (metrics, logs, sharing). */
  onTransition?: (destination: string, from: BreakerState, to: BreakerState, how: Transition) => void;
}): DestinationGuard {
  const { settings } = options;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const endpoints = new Map<string, Endpoint>();
  const hosts = new Map<string, Breaker>();
  const keys = new Map<string, { endpoint: string; host: string }>();
  /** Open states other instances published for endpoints this one has not sent to yet. */
  const learnt = new Map<string, number>();
  let sweptAt = now();

  const keysOf = (target: Target) => {
    const id = `${target.endpointGroup ?? ''} ${target.url}`;
    let k = keys.get(id);
    if (!k) {
      if (keys.size > 10_000) keys.clear();
      keys.set(id, (k = { endpoint: endpointOf(target), host: originOf(target.url) }));
    }
    return k;
  };

  const sweep = (at: number) => {
    if (at - sweptAt < 60_000) return;
    sweptAt = at;
    for (const map of [endpoints, hosts] as Array<Map<string, Breaker>>) {
      for (const [key, b] of map) if (at - b.lastUsed > IDLE_MS && b.breaker.state(at) === 'closed') map.delete(key);
    }
    for (const [key, until] of learnt) if (until <= at) learnt.delete(key);
  };

  const newBreaker = (at: number): Breaker => ({ breaker: new CircuitBreaker(settings.breaker, random), lastUsed: at, reported: 'closed' });

  const lookUp = (target: Target): { endpoint: Endpoint; host: Breaker; key: string; hostKey: string; at: number } => {
    const { endpoint: key, host: hostKey } = keysOf(target);
    const at = now();
    sweep(at);
    let endpoint = endpoints.get(key);
    if (!endpoint) {
      endpoint = { ...newBreaker(at), limiter: new AdaptiveLimit(settings.adaptive, target.maxInFlight), recovery: new Recovery(settings.breaker), maxInFlight: target.maxInFlight };
      endpoints.set(key, endpoint);
      const until = learnt.get(key);
      learnt.delete(key);
      if (until !== undefined && settings.breaker.enabled) endpoint.breaker.adoptOpen(until, at);
      watch(key, endpoint, at, true);
    }
    let host = hosts.get(hostKey);
    if (!host) hosts.set(hostKey, (host = newBreaker(at)));
    endpoint.lastUsed = host.lastUsed = at;
    endpoint.maxInFlight = Math.max(endpoint.maxInFlight, target.maxInFlight);
    return { endpoint, host, key, hostKey, at };
  };

  /** Reports a change of state; an endpoint's outage and recovery start here. */
  const watch = (key: string, b: Breaker, at: number, adopted = false) => {
    const state = b.breaker.state(at);
    if (state === b.reported) return;
    const from = b.reported;
    b.reported = state;
    if ('recovery' in b) {
      const endpoint = b as Endpoint;
      if (from === 'closed' && state === 'open') endpoint.recovery.outage(at);
      if (state === 'closed') {
        endpoint.recovery.begin(at);
        endpoint.limiter.slowStart(endpoint.maxInFlight, at);
      }
    }
    options.onTransition?.(key, from, state, { kind: 'recovery' in b ? 'endpoint' : 'host', openUntil: b.breaker.openUntil(at), adopted });
  };

  const record = (key: string, b: Breaker, permit: Permit & { go: true }, failed: boolean | undefined, at: number) => {
    b.breaker.record(permit, failed, at);
    watch(key, b, at);
  };

  const acquire = (key: string, b: Breaker, at: number): Permit => {
    const permit = b.breaker.tryAcquire(at);
    watch(key, b, at);
    return permit;
  };

  const view = (key: string, e: Endpoint, host: Breaker | undefined, at: number): DestinationView => {
    const cap = settings.breaker.enabled ? e.recovery.cap(at) : undefined;
    return {
      destination: key,
      breaker: worse(e.breaker.state(at), host?.breaker.state(at) ?? 'closed'),
      limit: settings.adaptive.enabled ? e.limiter.limit(e.maxInFlight) : e.maxInFlight,
      maxInFlight: e.maxInFlight,
      ...(cap !== undefined ? { recoveryCap: cap } : {}),
    };
  };

  const learn = (e: Endpoint, result: AttemptResult, failed: boolean, startedAt: number, at: number) => {
    if (!settings.adaptive.enabled) return;
    const overload = isOverload(result);
    e.limiter.record({ startedAt, durationMs: result.durationMs, overload, failed: failed && !overload, retryAfterMs: result.retryAfterMs }, e.maxInFlight, at);
  };

  return {
    admit(target) {
      const { endpoint, host, key, hostKey, at } = lookUp(target);
      const paused = settings.adaptive.enabled ? endpoint.limiter.pausedFor(at) : 0;
      if (paused > 0) return { go: false, reason: 'destination-paused', retryAfterMs: paused };
      let hostPermit: Permit = { go: true, probe: false };
      let endpointPermit: Permit = { go: true, probe: false };
      if (settings.breaker.enabled) {
        hostPermit = acquire(hostKey, host, at);
        if (!hostPermit.go) return { go: false, reason: 'circuit-open', retryAfterMs: hostPermit.retryAfterMs };
        endpointPermit = acquire(key, endpoint, at);
        if (!endpointPermit.go) {
          record(hostKey, host, hostPermit, undefined, at);
          return { go: false, reason: 'circuit-open', retryAfterMs: endpointPermit.retryAfterMs };
        }
      }
      endpoint.recovery.request(at);
      const [hp, ep] = [hostPermit, endpointPermit];
      let settled = false;
      return {
        go: true,
        done(result, classification, startedAt) {
          if (settled) return;
          settled = true;
          const end = now();
          const failed = classification.outcome === 'retry';
          if (settings.breaker.enabled) {
            // The host: reachable if anything HTTP came back; a transport failure is its failure; a timeout, no verdict.
            const transport = TRANSPORT.has(result.errorClass);
            record(hostKey, host, hp, transport ? true : result.status !== undefined ? false : undefined, end);
            // The endpoint: a permanent answer (400, 410, a blocked URL) is about the request, not its health.
            record(key, endpoint, ep, classification.outcome === 'permanent' || (failed && !isUnavailable(result)) ? undefined : failed, end);
          }
          learn(endpoint, result, failed, startedAt, end);
        },
        release() {
          if (settled) return;
          settled = true;
          if (!settings.breaker.enabled) return;
          const end = now();
          record(hostKey, host, hp, undefined, end);
          record(key, endpoint, ep, undefined, end);
        },
      };
    },
    blockedFor(target) {
      const { endpoint, host, at } = lookUp(target);
      const paused = settings.adaptive.enabled ? endpoint.limiter.pausedFor(at) : 0;
      if (paused > 0) return { reason: 'destination-paused', ms: paused };
      if (!settings.breaker.enabled) return undefined;
      const until = Math.max(endpoint.breaker.openUntil(at), host.breaker.openUntil(at));
      return until > at ? { reason: 'circuit-open', ms: until - at } : undefined;
    },
    limits(target) {
      const { endpoint, at } = lookUp(target);
      const maxInFlight = settings.adaptive.enabled ? Math.min(target.maxInFlight, endpoint.limiter.limit(endpoint.maxInFlight)) : target.maxInFlight;
      const cap = settings.breaker.enabled ? endpoint.recovery.cap(at) : undefined;
      return cap === undefined ? { maxInFlight } : { maxInFlight, ratePerSecond: cap };
    },
    view(target) {
      const { endpoint: key, host: hostKey } = keysOf(target);
      const endpoint = endpoints.get(key);
      return endpoint ? view(key, endpoint, hosts.get(hostKey), now()) : undefined;
    },
    all() {
      const at = now();
      return [...endpoints].map(([key, e]) => view(key, e, undefined, at));
    },
    adopt(destination, shared) {
      if (!settings.breaker.enabled) return;
      const at = now();
      const endpoint = endpoints.get(destination);
      if (!endpoint) {
        if (shared.state === 'open' && shared.until > at && learnt.size < 10_000) learnt.set(destination, shared.until + settings.breaker.openMs);
        else learnt.delete(destination);
        return;
      }
      if (shared.state === 'closed') endpoint.breaker.adoptClosed(at);
      // The instance whose cool-down ends first probes; the others wait for its verdict (its
      // closing, or its next opening), at most a cool-down longer in case it is gone.
      else if (!(endpoint.breaker.openedHere(at) && endpoint.breaker.openUntil(at) < shared.until)) endpoint.breaker.adoptOpen(shared.until + settings.breaker.openMs, at);
      watch(destination, endpoint, at, true);
    },
  };
}
