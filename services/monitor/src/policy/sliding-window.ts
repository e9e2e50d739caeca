/**
 * A fixed set of counters kept in time slots over a span: add at an instant, sum over any
 * window up to the span. Slots are a ring indexed by `floor(t / slotMs)`, so memory is
 * `slots × width` numbers whatever the traffic, and a window is exact to one slot.
 */
export class SlidingCounters {
  readonly spanMs: number;
  readonly slotMs: number;
  readonly width: number;
  readonly #slots: number;
  readonly #ids: Float64Array;
  readonly #values: Float64Array;

  constructor(options: { spanMs: number; slotMs: number; width: number }) {
    if (!(options.slotMs > 0) || !(options.spanMs >= options.slotMs)) throw new Error('need 0 < slotMs <= spanMs');
    this.spanMs = options.spanMs;
    this.slotMs = options.slotMs;
    this.width = options.width;
    this.#slots = Math.ceil(options.spanMs / options.slotMs) + 1;
    this.#ids = new Float64Array(this.#slots).fill(-1);
    this.#values = new Float64Array(this.#slots * options.width);
  }

  /** Adds `amount` to counter `index` at time `atMs`; ignored if older than the slot's newer data. */
  add(atMs: number, index: number, amount = 1): void {
    const id = Math.floor(atMs / this.slotMs);
    const position = id % this.#slots;
    const stored = this.#ids[position]!;
    if (stored > id) return; // that slot already holds newer data: this instant fell out of the span
    if (stored < id) {
      this.#ids[position] = id;
      this.#values.fill(0, position * this.width, (position + 1) * this.width);
    }
    this.#values[position * this.width + index]! += amount;
  }

  /** Every counter summed over the slots of (now − windowMs, now]. */
  sum(nowMs: number, windowMs: number): Float64Array {
    const out = new Float64Array(this.width);
    const newest = Math.floor(nowMs / this.slotMs);
    const oldest = Math.floor((nowMs - Math.min(windowMs, this.spanMs)) / this.slotMs);
    for (let position = 0; position < this.#slots; position++) {
      const id = this.#ids[position]!;
      if (id <= oldest || id > newest) continue;
      const base = position * this.width;
      for (let i = 0; i < this.width; i++) out[i]! += this.#values[base + i]!;
    }
    return out;
  }

  /** True when nothing was added within the span before `nowMs`. */
  idle(nowMs: number): boolean {
    const oldest = Math.floor((nowMs - this.spanMs) / this.slotMs);
    return this.#ids.every((id) => id <= oldest);
  }
}

/** A slot size giving `resolution` slots in the shortest window (at least 10 ms). */
export function slotFor(shortestWindowMs: number, resolution = 20): number {
  return Math.max(10, Math.floor(shortestWindowMs / resolution));
}
