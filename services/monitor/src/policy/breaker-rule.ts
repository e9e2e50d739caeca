import { BREAKER_STATE_CODE, type BreakerState, type Tier } from '@hookrail/shared';
import type { RuleEvaluation, TrafficCounts } from './alert-rules.ts';

/** A destination whose breaker is not closed, as the breaker rule reads it. */
export interface DestinationSignal {
  destination: string;
  breaker: BreakerState;
  /** The subscriptions of the tier that send to it. */
  subscriptions: string[];
}


export const DESTINATION_LABEL = 'hookrail_destination';

/**
 * HookrailCircuitBreakerOpen, one instance per (tier, destination) whose breaker is not closed:
 * the deliverer holds that destination's deliveries back. It fires when the breaker stayed
 * open or half-open for the rule's `for`, and resolves when it closed (or the destination
 * stopped reporting). Share = the tier's traffic on the subscriptions sending there.
 */
export function breakerOpenRules(input: {
  tiers: readonly Tier[];
  destinations(tier: Tier): DestinationSignal[];
  subscriptions(tier: Tier): Array<TrafficCounts & { id: string }>;
  /** The rule's common fields (kind, name, severity, for, keepFiringFor). */
  base: Pick<RuleEvaluation, 'kind' | 'name' | 'severity' | 'forMs' | 'keepFiringForMs'>;
  labels(tier: Tier, extra: Record<string, string>): Record<string, string>;
}): RuleEvaluation[] {
  const out: RuleEvaluation[] = [];
  for (const tier of input.tiers) {
    for (const d of input.destinations(tier)) {
      const ids = new Set(d.subscriptions);
      out.push({
        ...input.base,
        fingerprintLabels: input.labels(tier, { [DESTINATION_LABEL]: d.destination }),
        impactTier: tier,
        value: BREAKER_STATE_CODE[d.breaker], // the deliverer's gauge value
        threshold: 0,
        resolveThreshold: 0,
        summary: `Circuit breaker ${d.breaker} for ${d.destination}: tier ${tier} deliveries to it are held back`,
        description: `The deliverer sends ${d.destination} no requests (half-open: only probes) after too many failures; its deliveries move up the retry ladder without a request and go out once it recovers. Subscriptions: ${d.subscriptions.join(', ')}.`,
        share: () => {
          let total = 0;
          let hit = 0;
          for (const s of input.subscriptions(tier)) {
            total += s.attempts;
            if (ids.has(s.id)) hit += s.attempts;
          }
          return total > 0 ? hit / total : 0;
        },
        subscriptions: () => [...d.subscriptions],
      });
    }
  }
  return out;
}
