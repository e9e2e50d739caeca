// What the demo shows per subscription: events, not attempts. Each delivery (event ×
// subscription) is counted once, by its latest outcome in the attempts topic; the events
// sent to a subscription that have no outcome yet are pending.

import type { AttemptEntry, AttemptOutcomeName } from '@hookrail/shared';

export type Outcome = AttemptOutcomeName;

export interface EventCounts {
  delivered: number;
  retrying: number;
  deadLettered: number;
  pending: number;
}

export interface Tally {
  /** One attempt-log entry, in topic order. */
  record(entry: Pick<AttemptEntry, 'subscriptionId' | 'deliveryId' | 'outcome'>): void;
  /** Counts for a subscription that `expected` events were routed to so far. */
  counts(subscriptionId: string, expected: number): EventCounts;
}

export function createTally(): Tally {
  const latest = new Map<string, Map<string, Outcome>>();
  return {
    record({ subscriptionId, deliveryId, outcome }) {
      const deliveries = latest.get(subscriptionId) ?? new Map<string, Outcome>();
      // A delivery that ended (delivered or dead-lettered) stays ended: a replay is a new round.
      const previous = deliveries.get(deliveryId);
      if (previous === 'delivered' && outcome !== 'delivered') return;
      deliveries.set(deliveryId, outcome);
      latest.set(subscriptionId, deliveries);
    },
    counts(subscriptionId, expected) {
      const counts = { delivered: 0, retrying: 0, deadLettered: 0, pending: 0 };
      for (const outcome of latest.get(subscriptionId)?.values() ?? []) {
        if (outcome === 'delivered') counts.delivered++;
        else if (outcome === 'retry') counts.retrying++;
        else counts.deadLettered++;
      }
      counts.pending = Math.max(0, expected - counts.delivered - counts.retrying - counts.deadLettered);
      return counts;
    },
  };
}

/** The demo's table: a header row, then one row per subscription. */
export function tallyTable(rows: Array<{ id: string; tier: number; receiver: string; counts: EventCounts }>): string[] {
  const line = (cells: Array<string | number>) =>
    `${String(cells[0]).padEnd(14)}${String(cells[1]).padEnd(6)}${String(cells[2]).padEnd(15)}${cells.slice(3).map((c) => String(c).padStart(13)).join('')}`;
  return [
    line(['subscription', 'tier', 'receiver', 'delivered', 'retrying', 'dead-letter', 'pending']),
    ...rows.map((r) => line([r.id, r.tier, r.receiver, r.counts.delivered, r.counts.retrying, r.counts.deadLettered, r.counts.pending])),
  ];
}
