/**
 * Adaptive concurrency for one destination: AIMD on latency and overload signals
 * (docs/architecture.md, "Protecting receivers"), after Netflix's concurrency-limits.
 *
 * - A response is *slow* when the destination's recent latency (a moving average over about
 *   `RECENT_WINDOW_MS`, this response included) is above `latencyTolerance` × its baseline
 *   latency and above `latencyFloorMs` (receivers answering within the floor are never
 *   throttled for latency). One slow answer among many quick ones moves the recent latency
 *   little: a busy but healthy receiver whose answers scatter around its baseline keeps its
 *   limit; a receiver that slows down moves it at once (after a long wait, the answer that
 *   ends it weighs almost alone). The baseline is a moving average with a time constant of
 *   `baselineWindowMs`: a receiver that stays slower becomes the new normal, slowly.
 * - A timeout, a 429 or a 503 is *overload*.
 * - Slow or overload: the limit is multiplied by `backoffRatio` (at least 1), once per round
 *   trip: requests that started before the last decrease do not decrease it again.
 * - A healthy response (neither, and not another failure) adds 1 / limit: about +1 per
 *   limit's worth of healthy responses, up to the subscription's maxInFlight. A limit that
 *   has not decreased since it last reached maxInFlight *is* maxInFlight: raising a
 *   subscription's maxInFlight takes effect at once, not one request per round trip.
 * - A 429 or 503 with Retry-After also pauses the whole destination until then (at most
 *   `maxPauseMs`): every record for it waits, not only the one that got the answer.
 * - Slow start (`slowStart`, after the destination's circuit breaker closed): the limit starts
 *   at 1 and grows by one per healthy response, so it doubles per round trip, up to the limit
 *   in force before the outage; from there the additive rule above.
 *
 * Time is passed in on every call: no clock inside.
 */
/** Time constant of the recent latency compared with the baseline. */
export const RECENT_WINDOW_MS = 1_000;

export interface LimitSettings {
  backoffRatio: number;
  latencyTolerance: number;
  latencyFloorMs: number;
  baselineWindowMs: number;
  maxPauseMs: number;
}

export interface LimitSample {
  /** When the request started, and how long it took. */
  startedAt: number;
  durationMs: number;
  /** Timeout, 429 or 503. */
  overload: boolean;
  /** Another failure (a 500, a refused connection): says nothing about load. */
  failed: boolean;
  retryAfterMs?: number | undefined;
}

export class AdaptiveLimit {
  readonly #settings: LimitSettings;
  #limit: number;
  #baselineMs: number | undefined;
  #baselineAt = 0;
  #recentMs: number | undefined;
  #recentAt = 0;
  /** Decreased since it last reached maxInFlight: it climbs back. Otherwise it is maxInFlight, and follows it when raised. */
  #constrained = false;
  #lastDecreaseAt = -Infinity;
  #pausedUntil = 0;
  /** Set while slow-starting: the limit to double up to. */
  #slowStartTo: number | undefined;

  constructor(settings: LimitSettings, initial: number) {
    this.#settings = settings;
    this.#limit = Math.max(1, initial);
  }

  /** Requests that may be in flight now, between 1 and `max`. */
  limit(max: number): number {
    if (!this.#constrained) return Math.max(1, max);
    return Math.max(1, Math.min(max, Math.floor(this.#limit)));
  }

  /** Ms until the destination may be sent to again (0: now). */
  pausedFor(now: number): number {
    return Math.max(0, this.#pausedUntil - now);
  }

  get baselineMs(): number | undefined {
    return this.#baselineMs;
  }

  /** True while slow-starting after an outage. */
  get slowStarting(): boolean {
    return this.#slowStartTo !== undefined;
  }

  /** After an outage (the breaker closed): one request in flight, doubling per healthy round trip up to the last good limit. */
  slowStart(max: number, now: number): void {
    this.#slowStartTo = Math.max(1, this.limit(max));
    this.#limit = 1;
    this.#constrained = true;
    // Responses to requests sent before now (the probes) do not decrease it again.
    this.#lastDecreaseAt = now;
  }

  record(sample: LimitSample, max: number, now: number): void {
    const { durationMs } = sample;
    if (sample.retryAfterMs !== undefined && sample.overload) {
      this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.min(sample.retryAfterMs, this.#settings.maxPauseMs));
    }
    // Timeouts say overload by themselves; their duration is the timeout, not the receiver's.
    if (!sample.overload) {
      this.#recentMs = movingAverage(this.#recentMs, this.#recentAt, durationMs, now, RECENT_WINDOW_MS);
      this.#recentAt = now;
    }
    const slow =
      this.#baselineMs !== undefined &&
      this.#recentMs !== undefined &&
      this.#recentMs > Math.max(this.#baselineMs * this.#settings.latencyTolerance, this.#settings.latencyFloorMs);
    if (!sample.overload && !sample.failed) this.#learn(durationMs, now);
    this.#limit = this.#constrained ? Math.min(this.#limit, max) : max;
    if (sample.overload || slow) {
      if (sample.startedAt < this.#lastDecreaseAt) return;
      this.#limit = Math.max(1, Math.floor(this.#limit * this.#settings.backoffRatio));
      this.#lastDecreaseAt = now;
      this.#constrained = true;
      this.#slowStartTo = undefined;
      return;
    }
    // Answers to requests sent before a slow start began (the probes) do not grow it.
    if (!sample.failed && !(this.#slowStartTo !== undefined && sample.startedAt <= this.#lastDecreaseAt)) this.#grow(max);
    if (this.#limit >= max) {
      this.#constrained = false;
      this.#slowStartTo = undefined;
    }
  }

  /** +1 per healthy response while slow-starting (doubling per round trip), else +1/limit. */
  #grow(max: number): void {
    if (this.#slowStartTo === undefined) {
      this.#limit = Math.min(max, this.#limit + 1 / this.#limit);
      return;
    }
    this.#limit = Math.min(max, this.#slowStartTo, this.#limit + 1);
    if (this.#limit >= this.#slowStartTo) this.#slowStartTo = undefined;
  }

  #learn(durationMs: number, now: number): void {
    this.#baselineMs = movingAverage(this.#baselineMs, this.#baselineAt, durationMs, now, this.#settings.baselineWindowMs);
    this.#baselineAt = now;
  }
}

/** An exponential moving average over time: a sample weighs by the time since the last one. */
function movingAverage(average: number | undefined, at: number, sample: number, now: number, windowMs: number): number {
  if (average === undefined) return sample;
  const weight = 1 - Math.exp(-Math.max(0, now - at) / windowMs);
  return average + (sample - average) * weight;
}
