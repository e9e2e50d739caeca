import type { Tier } from '../config/base.ts';
import type { RetryRung } from '../retry-ladder.ts';

/**
 * What a hookrail topic is for. `topicNameOf` builds every topic name from it and
 * `classifyTopicName` reads it back from a name: nothing else builds or parses topic names.
 */
export type TopicKind =
  | { kind: 'subscriptions' | 'dlq' | 'dlq-replayed' | 'attempts' | 'invalid' | 'alerts' | 'backfills' | 'breakers' }
  | { kind: 'tier' | 'backfill' | 'parked' | 'parked-state' | 'overflow'; tier: Tier }
  | { kind: 'retry'; tier: Tier; rung: RetryRung };

/** The suffix (after `<prefix>.`) of each kind of topic. */
function suffixOf(topic: TopicKind): string {
  switch (topic.kind) {
    case 'dlq-replayed':
      return 'dlq.replayed';
    case 'tier':
      return `tier${topic.tier}`;
    case 'retry':
      return `tier${topic.tier}.retry.${topic.rung.name}`;
    case 'backfill':
    case 'parked':
    case 'parked-state':
    case 'overflow':
      return `tier${topic.tier}.${topic.kind}`;
    default:
      return topic.kind;
  }
}

export function topicNameOf(prefix: string, topic: TopicKind): string {
  return `${prefix}.${suffixOf(topic)}`;
}

const SINGLE = new Set(['subscriptions', 'dlq', 'attempts', 'invalid', 'alerts', 'backfills', 'breakers']);
const PER_TIER = /^tier([123])(?:\.(backfill|parked|parked-state|overflow)|\.retry\.([1-9]\d*)s)?$/;

/** What the topic `name` is for in the installation with this prefix; undefined when it is not one of its topics. */
export function classifyTopicName(prefix: string, name: string): TopicKind | undefined {
  if (!name.startsWith(`${prefix}.`)) return undefined;
  const suffix = name.slice(prefix.length + 1);
  if (SINGLE.has(suffix)) return { kind: suffix as 'subscriptions' };
  if (suffix === 'dlq.replayed') return { kind: 'dlq-replayed' };
  const match = PER_TIER.exec(suffix);
  if (!match) return undefined;
  const tier = Number(match[1]) as Tier;
  if (match[3] !== undefined) return { kind: 'retry', tier, rung: { name: `${match[3]}s`, delayMs: Number(match[3]) * 1_000 } };
  return { kind: (match[2] as 'backfill' | undefined) ?? 'tier', tier };
}

/** Every hookrail topic name, derived from one prefix. */
export interface TopicNames {
  readonly subscriptions: string;
  readonly dlq: string;
  /** The replay log of `hookrail dlq replay` (compacted, one mark per replayed dead letter). */
  readonly dlqReplayed: string;
  readonly attempts: string;
  readonly invalid: string;
  readonly alerts: string;
  tier(tier: Tier): string;
  retry(tier: Tier, rung: RetryRung): string;
  /** Backfill and redeliver deliveries of a tier: the deliverer reads them in a lane of their own. */
  backfill(tier: Tier): string;
  /** Progress of each backfill (compacted, keyed by backfill): where a resumed one starts. */
  readonly backfills: string;
  /** Ordered keys blocked past `deliverer.parkAfter`: their deliveries wait here, keyed by (subscription, key). */
  parked(tier: Tier): string;
  /** Which keys are parked (compacted): `appended:` and `drained:` counts per (subscription, key). */
  parkedState(tier: Tier): string;
  /** Deliveries of a saturated destination, spilled off the tier partition (a name only: no such topic is created today). */
  overflow(tier: Tier): string;
  /** Circuit-breaker states the deliverer instances share (compacted, keyed by endpoint). */
  readonly breakers: string;
}

export function topicNames(prefix: string): TopicNames {
  const name = (topic: TopicKind) => topicNameOf(prefix, topic);
  return {
    subscriptions: name({ kind: 'subscriptions' }),
    dlq: name({ kind: 'dlq' }),
    dlqReplayed: name({ kind: 'dlq-replayed' }),
    attempts: name({ kind: 'attempts' }),
    invalid: name({ kind: 'invalid' }),
    alerts: name({ kind: 'alerts' }),
    tier: (tier) => name({ kind: 'tier', tier }),
    retry: (tier, rung) => name({ kind: 'retry', tier, rung }),
    backfill: (tier) => name({ kind: 'backfill', tier }),
    backfills: name({ kind: 'backfills' }),
    parked: (tier) => name({ kind: 'parked', tier }),
    parkedState: (tier) => name({ kind: 'parked-state', tier }),
    overflow: (tier) => name({ kind: 'overflow', tier }),
    breakers: name({ kind: 'breakers' }),
  };
}
