/**
 * Adaptive concurrency for one destination: AIMD on latency and overload signals
 * (docs/architecture.md, "Protecting receivers"), after Netflix's concurrency-limits.
 *
 * - A response is *slow* when it took longer than `latencyTolerance` × the destination's
 *   baseline latency and longer than `latencyFloorMs` (receivers answering within the floor
 *   are never throttled for latency). The baseline is a moving average with a time constant
 *   of `baselineWindowMs`: a receiver that stays slower becomes the new normal, slowly.
 * - A timeout, a 429 or a 503 is *overload*.
 * - Slow or overload: the limit is multiplied by `backoffRatio` (at least 1), once per round
 *   trip: requests that started before the last decrease do not decrease it again.
 * - A healthy response (neither, and not another failure) adds 1 / limit: about +1 per
 *   limit's worth of healthy responses, up to the subscription's maxInFlight.
 * - A 429 or 503 with Retry-After also pauses the whole destination until then (at most
 *   `maxPauseMs`): every record for it waits, not only the one that got the answer.
 *
 * Time is passed in on every call: no clock inside.
 */
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
  #lastDecreaseAt = -Infinity;
  #pausedUntil = 0;

  constructor(settings: LimitSettings, initial: number) {
    this.#settings = settings;
    this.#limit = Math.max(1, initial);
  }

  /** Requests that may be in flight now, between 1 and `max`. */
  limit(max: number): number {
    return Math.max(1, Math.min(max, Math.floor(this.#limit)));
  }

  /** Ms until the destination may be sent to again (0: now). */
  pausedFor(now: number): number {
    return Math.max(0, this.#pausedUntil - now);
  }

  get baselineMs(): number | undefined {
    return this.#baselineMs;
  }

  record(sample: LimitSample, max: number, now: number): void {
    const { durationMs } = sample;
    if (sample.retryAfterMs !== undefined && sample.overload) {
      this.#pausedUntil = Math.max(this.#pausedUntil, now + Math.min(sample.retryAfterMs, this.#settings.maxPauseMs));
    }
    const slow = this.#baselineMs !== undefined && durationMs > Math.max(this.#baselineMs * this.#settings.latencyTolerance, this.#settings.latencyFloorMs);
    if (!sample.overload && !sample.failed) this.#learn(durationMs, now);
    this.#limit = Math.min(this.#limit, max);
    if (sample.overload || slow) {
      if (sample.startedAt < this.#lastDecreaseAt) return;
      this.#limit = Math.max(1, Math.floor(this.#limit * this.#settings.backoffRatio));
      this.#lastDecreaseAt = now;
      return;
    }
    if (!sample.failed) this.#limit = Math.min(max, this.#limit + 1 / this.#limit);
  }

  #learn(durationMs: number, now: number): void {
    if (this.#baselineMs === undefined) {
      this.#baselineMs = durationMs;
    } else {
      const weight = 1 - Math.exp(-Math.max(0, now - this.#baselineAt) / this.#settings.baselineWindowMs);
      this.#baselineMs += (durationMs - this.#baselineMs) * weight;
    }
    this.#baselineAt = now;
  }
}
