import type { Tier } from '../config/base.ts';
import type { Origin } from './dead-letter.ts';
import { definedOnly, jsonObject, MalformedRecord, numberField } from './malformed.ts';

/** A destination's circuit breaker (the deliverer's policy/circuit-breaker.ts). */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The breaker state as a number ordered by gravity: the deliverer's gauge and the monitor's rule value. */
export const BREAKER_STATE_CODE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

const isBreakerState = (value: unknown): value is BreakerState => typeof value === 'string' && Object.hasOwn(BREAKER_STATE_CODE, value);

export const ATTEMPT_OUTCOMES = ['delivered', 'retry', 'dead-letter'] as const;
export type AttemptOutcomeName = (typeof ATTEMPT_OUTCOMES)[number];

/** One line of the delivery log (`<prefix>.attempts`), JSON keyed by subscription id: the deliverer writes it, the monitor, bench and demo read it. */
export interface AttemptLogEntry {
  deliveryId: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  destination?: string;
  tier: Tier;
  /** 1 for the first attempt. */
  attempt: number;
  outcome: AttemptOutcomeName;
  /** False when no HTTP request was made (subscription missing or disabled, breaker open, …). */
  http: boolean;
  status?: number;
  /** A dead-letter class, an admission's reason (`circuit-open`, `destination-paused`) or the sender's error class. */
  errorClass?: string;
  reason?: string;
  durationMs: number;
  attemptedAt: number;
  eventTime: number;
  firstAttemptAt: number;
  retryTopic?: string;
  notBefore?: number;
  origin: Origin;
  /** The destination's breaker and in-flight limit after this attempt (when guarded). */
  breaker?: { destination: string; state: BreakerState; limit: number };
}

/** What every entry read back holds for sure (older deliverers wrote fewer fields); the others when present. */
export type AttemptEntry = Pick<
  AttemptLogEntry,
  'deliveryId' | 'subscriptionId' | 'tier' | 'attempt' | 'outcome' | 'http' | 'durationMs' | 'attemptedAt' | 'eventTime' | 'firstAttemptAt'
> &
  Partial<AttemptLogEntry>;

/** The attempt log record of an entry. */
export function attemptMessage(entry: AttemptLogEntry): { key: string; value: string } {
  return { key: entry.subscriptionId, value: JSON.stringify(entry) };
}

/**
 * Reads an attempt log record. Required: deliveryId, subscriptionId, tier, attempt,
 * attemptedAt, outcome; missing durations and times read as 0 (firstAttemptAt as attemptedAt),
 * a missing `http` as true.
 */
export function parseAttempt(value: Buffer | string | null | undefined): AttemptEntry | MalformedRecord {
  const r = jsonObject('attempt', value);
  if (r instanceof MalformedRecord) return r;
  const bad = (problem: string) => new MalformedRecord('attempt', problem);
  const tier = numberField(r, 'tier');
  const attempt = numberField(r, 'attempt');
  const attemptedAt = numberField(r, 'attemptedAt');
  if (typeof r.deliveryId !== 'string' || typeof r.subscriptionId !== 'string') return bad('no deliveryId or subscriptionId');
  if (tier !== 1 && tier !== 2 && tier !== 3) return bad(`bad tier ${JSON.stringify(r.tier)}`);
  if (attempt === undefined || attemptedAt === undefined) return bad('no attempt or attemptedAt');
  if (!ATTEMPT_OUTCOMES.includes(r.outcome as AttemptOutcomeName)) return bad(`bad outcome ${JSON.stringify(r.outcome)}`);
  const text = (key: string) => (typeof r[key] === 'string' ? (r[key] as string) : undefined);
  return definedOnly<AttemptEntry>({
    deliveryId: r.deliveryId,
    eventId: text('eventId'),
    eventType: text('eventType'),
    subscriptionId: r.subscriptionId,
    destination: text('destination'),
    tier,
    attempt,
    outcome: r.outcome as AttemptOutcomeName,
    http: r.http !== false,
    status: numberField(r, 'status'),
    errorClass: text('errorClass'),
    reason: text('reason'),
    durationMs: numberField(r, 'durationMs') ?? 0,
    attemptedAt,
    eventTime: numberField(r, 'eventTime') ?? 0,
    firstAttemptAt: numberField(r, 'firstAttemptAt') ?? attemptedAt,
    retryTopic: text('retryTopic'),
    notBefore: numberField(r, 'notBefore'),
    origin: originOf(r.origin),
    breaker: breakerOf(r.breaker),
  });
}

function originOf(value: unknown): Origin | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { topic, partition, offset } = value as Record<string, unknown>;
  return typeof topic === 'string' && typeof partition === 'number' && typeof offset === 'string' ? { topic, partition, offset } : undefined;
}

function breakerOf(value: unknown): AttemptLogEntry['breaker'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const { destination, state, limit } = value as Record<string, unknown>;
  if (typeof destination !== 'string' || !isBreakerState(state)) return undefined;
  return { destination, state, limit: typeof limit === 'number' ? limit : 0 };
}
