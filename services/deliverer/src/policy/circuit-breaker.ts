/**
 * A circuit breaker for one destination (docs/architecture.md, "Protecting receivers").
 *
 * - closed: every request goes. Outcomes are counted over a sliding window (ten slots of
 *   windowMs / 10); once the window holds at least `minRequests` outcomes and the failed share
 *   reaches `failureRatio`, the breaker opens.
 * - open: no request goes, for `openMs` plus up to `jitterRatio` × openMs of jitter (so the
 *   breakers of many instances do not probe a receiver at the same moment).
 * - half-open: up to `probes` requests go at once; the others are turned away. When `probes`
 *   probes succeeded the breaker closes with an empty window; one failed probe opens it again.
 *
 * Time is passed in on every call and randomness to the constructor: no clock inside.
 */
import type { BreakerState } from '@hookrail/shared';

/** The states, and their gauge codes, are the attempt log's (shared/src/records/attempt.ts). */
export type { BreakerState };

export interface BreakerSettings {
  windowMs: number;
  minRequests: number;
  /** Failed share of the window's outcomes that opens the breaker, in (0, 1]. */
  failureRatio: number;
  /** How long the breaker stays open before it lets probes through. */
  openMs: number;
  /** Up to this share of openMs is added at random to each open period. */
  jitterRatio: number;
  /** Probe requests let through at once while half-open, and successes needed to close. */
  probes: number;
}

/** What tryAcquire answers: go (a probe when half-open), or wait this long. */
export type Permit = { go: true; probe: boolean } | { go: false; retryAfterMs: number };

const SLOTS = 10;

export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  readonly #random: () => number;
  #state: BreakerState = 'closed';
  /** Per slot: its start time, failures, outcomes. */
  #slots: Array<{ at: number; failures: number; total: number }> = [];
  #openUntil = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  /** Times the breaker opened (a failed probe included). */
  opened = 0;

  constructor(settings: BreakerSettings, random: () => number) {
    this.#settings = settings;
    this.#random = random;
  }

  state(now: number): BreakerState {
    if (this.#state === 'open' && now >= this.#openUntil) {
      this.#state = 'half-open';
      this.#probesInFlight = 0;
      this.#probeSuccesses = 0;
    }
    return this.#state;
  }

  tryAcquire(now: number): Permit {
    const state = this.state(now);
    if (state === 'closed') return { go: true, probe: false };
    if (state === 'open') return { go: false, retryAfterMs: this.#openUntil - now };
    if (this.#probesInFlight + this.#probeSuccesses < this.#settings.probes) {
      this.#probesInFlight++;
      return { go: true, probe: true };
    }
    // Half-open with its probes out: the rest waits about as long as a probe takes.
    return { go: false, retryAfterMs: 0 };
  }

  /** The outcome of a request that tryAcquire let go. `failed: undefined` = no verdict (released). */
  record(permit: { probe: boolean }, failed: boolean | undefined, now: number): void {
    if (permit.probe) {
      this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
      if (this.#state !== 'half-open' || failed === undefined) return;
      if (failed) return this.#open(now);
      if (++this.#probeSuccesses >= this.#settings.probes) this.#close();
      return;
    }
    // Outcomes of requests sent while closed count only while it still is closed.
    if (this.#state !== 'closed' || failed === undefined) return;
    this.#count(failed, now);
    const { failures, total } = this.#window(now);
    if (total >= this.#settings.minRequests && failures / total >= this.#settings.failureRatio) this.#open(now);
  }

  /** The window's outcomes now (for status and tests). */
  window(now: number): { failures: number; total: number } {
    return this.#window(now);
  }

  #count(failed: boolean, now: number): void {
    const slotMs = this.#settings.windowMs / SLOTS;
    const at = Math.floor(now / slotMs) * slotMs;
    let slot = this.#slots.at(-1);
    if (slot?.at !== at) {
      this.#slots.push((slot = { at, failures: 0, total: 0 }));
      this.#slots = this.#slots.filter((s) => s.at > now - this.#settings.windowMs);
    }
    slot.total++;
    if (failed) slot.failures++;
  }

  #window(now: number): { failures: number; total: number } {
    let failures = 0;
    let total = 0;
    for (const slot of this.#slots) {
      if (slot.at <= now - this.#settings.windowMs) continue;
      failures += slot.failures;
      total += slot.total;
    }
    return { failures, total };
  }

  #open(now: number): void {
    this.#state = 'open';
    this.opened++;
    this.#openUntil = now + this.#settings.openMs + Math.floor(this.#random() * this.#settings.jitterRatio * this.#settings.openMs);
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
  }

  #close(): void {
    this.#state = 'closed';
    this.#slots = [];
  }
}
