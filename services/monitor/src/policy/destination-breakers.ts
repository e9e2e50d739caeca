import type { AttemptEntry, BreakerState, Tier } from '@hookrail/shared';
import type { DestinationSignal } from './breaker-rule.ts';

/** One destination (URL origin) as the attempt log last reported it. */
export interface DestinationStatus {
  destination: string;
  breaker: BreakerState;
  /** Requests it may have in flight (the deliverer's adaptive limit). */
  inFlightLimit: number;
  /** When the last attempt that reported it was made, and when its breaker last left closed. */
  lastSeenAt: string;
  openedAt: string | null;
  tiers: Tier[];
  subscriptions: string[];
}

interface Tracked {
  state: BreakerState;
  limit: number;
  at: number;
  openedAt: number | null;
  subscriptions: Map<string, Tier>;
}

/**
 * The circuit breaker state per destination, from the attempt log: every attempt the deliverer
 * makes or holds back carries its destination's state after it. A destination that reported
 * nothing for `staleMs` is dropped (its deliveries are done, or nobody sends to it).
 */
export class DestinationBreakers {
  readonly #staleMs: number;
  readonly #destinations = new Map<string, Tracked>();

  constructor(staleMs: number) {
    this.#staleMs = staleMs;
  }

  record(entry: AttemptEntry): void {
    if (!entry.breaker) return;
    const { destination, state, limit } = entry.breaker;
    let tracked = this.#destinations.get(destination);
    if (!tracked) this.#destinations.set(destination, (tracked = { state, limit, at: entry.attemptedAt, openedAt: null, subscriptions: new Map() }));
    tracked.subscriptions.set(entry.subscriptionId, entry.tier);
    if (entry.attemptedAt < tracked.at) return;
    if (state !== 'closed' && (tracked.state === 'closed' || tracked.openedAt === null)) tracked.openedAt = entry.attemptedAt;
    if (state === 'closed') tracked.openedAt = null;
    Object.assign(tracked, { state, limit, at: entry.attemptedAt });
  }

  /** The destinations of a tier's subscriptions whose breaker is not closed (the alert rule's input). */
  notClosed(tier: Tier, now: number): DestinationSignal[] {
    this.list(now);
    const out: DestinationSignal[] = [];
    for (const [destination, t] of this.#destinations) {
      if (t.state === 'closed') continue;
      const subscriptions = [...t.subscriptions].filter(([, of]) => of === tier).map(([id]) => id).sort();
      if (subscriptions.length > 0) out.push({ destination, breaker: t.state, subscriptions });
    }
    return out;
  }

  /** Destinations reported within staleMs before `now`, not closed first, then by name. */
  list(now: number): DestinationStatus[] {
    const out: DestinationStatus[] = [];
    for (const [destination, t] of this.#destinations) {
      if (t.at < now - this.#staleMs) {
        this.#destinations.delete(destination);
        continue;
      }
      out.push({
        destination,
        breaker: t.state,
        inFlightLimit: t.limit,
        lastSeenAt: new Date(t.at).toISOString(),
        openedAt: t.openedAt === null ? null : new Date(t.openedAt).toISOString(),
        tiers: [...new Set(t.subscriptions.values())].sort(),
        subscriptions: [...t.subscriptions.keys()].sort(),
      });
    }
    const rank = (s: BreakerState) => (s === 'open' ? 0 : s === 'half-open' ? 1 : 2);
    return out.sort((a, b) => rank(a.breaker) - rank(b.breaker) || a.destination.localeCompare(b.destination));
  }
}
