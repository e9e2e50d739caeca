/**
 * Recovering gently (docs/architecture.md, "Protecting receivers"): when a destination's
 * circuit breaker closes, the deliveries that piled up on the retry ladder while it was down
 * come due together. Released at once they hit a receiver that has just come back with many
 * times its normal traffic. So for a while after the breaker closes, the destination's requests
 * are capped at `rateFactor` × the rate it received before the outage (at least
 * `minRatePerSecond`), until its demand is back to about normal (the last `quietMs` at no more
 * than 1.25 × the normal rate) or `maxMs` has passed.
 *
 * Time is passed in on every call: no clock inside.
 */
export interface RecoverySettings {
  /** The cap as a multiple of the rate before the outage. */
  rateFactor: number;
  /** The cap's floor, requests per second (a trickle's backlog still drains). */
  minRatePerSecond: number;
  /** Recovery ends once the destination's requests over this long were about its normal rate… */
  quietMs: number;
  /** …or after this long, whatever they were. */
  maxMs: number;
}

const SLOT_MS = 1_000;
/** The normal rate is measured over this long. */
export const RATE_WINDOW_MS = 60_000;

/** Requests per second over a sliding window of one-second slots. */
export class RequestRate {
  #slots: Array<{ at: number; count: number }> = [];
  #since: number | undefined;

  record(now: number): void {
    this.#since ??= now;
    const at = Math.floor(now / SLOT_MS) * SLOT_MS;
    const last = this.#slots.at(-1);
    if (last?.at === at) last.count++;
    else this.#slots.push({ at, count: 1 });
    while (this.#slots.length > 0 && this.#slots[0]!.at <= now - RATE_WINDOW_MS) this.#slots.shift();
  }

  /** Requests per second over the last `windowMs` (at most the window), or since the first one. */
  perSecond(now: number, windowMs = RATE_WINDOW_MS): number {
    if (this.#since === undefined) return 0;
    const span = Math.max(SLOT_MS, Math.min(windowMs, RATE_WINDOW_MS, now - this.#since));
    // A slot the span only partly covers counts by the part it covers (whole slots overstated a
    // short history's rate by up to a second's worth).
    let count = 0;
    for (const slot of this.#slots) {
      const end = Math.min(slot.at + SLOT_MS, now + 1); // the current slot has only lasted until now
      const covered = end - Math.max(slot.at, now - span);
      if (covered > 0) count += (slot.count * covered) / (end - slot.at);
    }
    return (count * 1_000) / span;
  }
}

export class Recovery {
  readonly #settings: RecoverySettings;
  readonly #requests = new RequestRate();
  /** The rate before the outage, taken when the breaker opened. */
  #normal = 0;
  #since: number | undefined;

  constructor(settings: RecoverySettings) {
    this.#settings = settings;
  }

  /** A request was sent to the destination. */
  request(now: number): void {
    this.#requests.record(now);
  }

  /**
   * The breaker opened (from closed): what the destination received until now is its normal
   * rate, unless it opened again while recovering, when the capped rate would understate it.
   */
  outage(now: number): void {
    if (this.#since === undefined) this.#normal = this.#requests.perSecond(now);
    this.#since = undefined;
  }

  /** The breaker closed: the piled-up deliveries are released at the capped rate from now. */
  begin(now: number): void {
    this.#since = now;
  }

  /** Requests per second allowed now while recovering; undefined when not recovering. */
  cap(now: number): number | undefined {
    if (this.#since === undefined) return undefined;
    const { rateFactor, minRatePerSecond, quietMs, maxMs } = this.#settings;
    const elapsed = now - this.#since;
    const backToNormal = elapsed >= quietMs && this.#requests.perSecond(now, quietMs) <= this.#normal * 1.25;
    if (backToNormal || elapsed >= maxMs) {
      this.#since = undefined;
      return undefined;
    }
    return Math.max(minRatePerSecond, rateFactor * this.#normal);
  }

  get normalPerSecond(): number {
    return this.#normal;
  }
}
