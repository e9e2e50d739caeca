/**
 * A circuit breaker for one destination (docs/architecture.md, "Protecting receivers").
 *
 * - closed: every request goes. Two rules open it, whichever comes first:
 *   - a sudden outage: `consecutiveFailures` failed outcomes in a row (no success between),
 *     whatever the window's earlier successes (Envoy's consecutive-5xx, resilience4j's short
 *     count window): a receiver that goes from healthy to failing is cut off within tens of
 *     requests, not after its minute of successes is outnumbered;
 *   - a failing share: over a sliding window (ten slots of windowMs / 10), at least
 *     `minRequests` outcomes of which the failed share reaches `failureRatio`.
 *   A trickle (a tier-3 subscription with a few events a minute) opens on neither after a
 *   few failures.
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
  /** Failed outcomes in a row that open the breaker (0: the window rule only). */
  consecutiveFailures: number;
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
  #failuresInARow = 0;
  /** Open because another instance's breaker is (it probes; this one waits for its verdict). */
  #adopted = false;
  /** Times the breaker opened (a failed probe included). */
  opened = 0;
  /** Times it closed after probing (each starts a recovery: slow start, bounded release). */
  closed = 0;

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
    this.#failuresInARow = failed ? this.#failuresInARow + 1 : 0;
    const { consecutiveFailures } = this.#settings;
    if (consecutiveFailures > 0 && this.#failuresInARow >= consecutiveFailures) return this.#open(now);
    const { failures, total } = this.#window(now);
    if (total >= this.#settings.minRequests && failures / total >= this.#settings.failureRatio) this.#open(now);
  }

  /** When an open breaker lets probes through (0 when not open). */
  openUntil(now: number): number {
    return this.state(now) === 'open' ? this.#openUntil : 0;
  }

  /** Open by its own judgement, not only by what another instance published. */
  openedHere(now: number): boolean {
    return this.state(now) === 'open' && !this.#adopted;
  }

  /**
   * Another instance's breaker for the same destination is open until `until`: this one stays
   * open as long, and probes only after it (instances share what they learn).
   */
  adoptOpen(until: number, now: number): void {
    if (until <= now) return;
    if (this.state(now) !== 'open') this.opened++;
    this.#state = 'open';
    this.#adopted = true;
    this.#openUntil = until;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
  }

  /** Another instance's probes closed it: this one closes too (its recovery starts). */
  adoptClosed(now: number): void {
    if (this.state(now) === 'closed') return;
    this.#close();
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
    this.#adopted = false;
    this.#failuresInARow = 0;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
  }

  #close(): void {
    this.#state = 'closed';
    this.closed++;
    this.#slots = [];
    this.#failuresInARow = 0;
  }
}
