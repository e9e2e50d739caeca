/**
 * Deliveries that had an attempt and have not ended yet (delivered or dead-lettered): they
 * wait on the retry ladder. Counted per subscription from the attempts topic. Bounded: past
 * `limit` the oldest are forgotten (and counted as `forgotten`), so a failure storm cannot
 * grow the monitor without end.
 */
export class OpenDeliveries {
  readonly #limit: number;
  /** deliveryId → subscription id, oldest first (Map insertion order). */
  readonly #open = new Map<string, string>();
  readonly #perSubscription = new Map<string, number>();
  forgotten = 0;

  constructor(limit = 200_000) {
    this.#limit = limit;
  }

  record(deliveryId: string, subscriptionId: string, outcome: 'delivered' | 'retry' | 'dead-letter'): void {
    const previous = this.#open.get(deliveryId);
    if (previous !== undefined) {
      this.#open.delete(deliveryId);
      this.#bump(previous, -1);
    }
    if (outcome !== 'retry') return;
    this.#open.set(deliveryId, subscriptionId);
    this.#bump(subscriptionId, 1);
    if (this.#open.size > this.#limit) {
      const [oldest, subscription] = this.#open.entries().next().value!;
      this.#open.delete(oldest);
      this.#bump(subscription, -1);
      this.forgotten++;
    }
  }

  /** Open deliveries of a subscription. */
  of(subscriptionId: string): number {
    return this.#perSubscription.get(subscriptionId) ?? 0;
  }

  #bump(subscriptionId: string, by: number): void {
    const next = (this.#perSubscription.get(subscriptionId) ?? 0) + by;
    if (next > 0) this.#perSubscription.set(subscriptionId, next);
    else this.#perSubscription.delete(subscriptionId);
  }
}
