import {
  attemptMessage,
  deadLetterRecord,
  deliveryRecord,
  flagRecord,
  ladderFor,
  retryHorizonMs,
  type AttemptLogEntry,
  type BaseConfig,
  type DeadLetterError,
  type OutgoingRecord,
  type Delivery,
  type Origin,
  type Subscription,
  type TopicNames,
} from '@hookrail/shared';
import type { DestinationGuard, HoldReason } from './dispatch/destination-guard.ts';
import type { HttpSender } from './http/sender.ts';
import { classifyAttempt, type AttemptResult, type Classification } from './policy/classify.ts';
import { heldByDisable, disabledDetail } from './policy/disabled-subscription.ts';
import { decideHold, decideSpill } from './policy/hold.ts';
import { decideRetry, type RetryDecision } from './policy/retry-decision.ts';
import { signAttempt } from './policy/signing.ts';

export type { AttemptLogEntry, Origin };

export interface AttemptDependencies {
  config: Pick<BaseConfig, 'tiers'>;
  topics: TopicNames;
  sender: HttpSender;
  userAgent: string;
  jitterRatio: number;
  now?: () => number;
  random?: () => number;
  /** Why a subscription cannot be delivered to (the registry's `problem`), for the DLQ detail. */
  problemOf?: (subscriptionId: string) => string | undefined;
  /** Circuit breaker and adaptive limit per destination; unset = neither. */
  guard?: DestinationGuard;
  /** How long past its ladder's horizon a delivery may be held back by an open breaker before it is dead-lettered (`circuit-open`). */
  maxHoldMs?: number;
}

/** Default of `deliverer.breaker.maxHoldMs`. */
export const DEFAULT_MAX_HOLD_MS = 30 * 60_000;

export interface AttemptOutcome {
  records: OutgoingRecord[];
  entry: AttemptLogEntry;
}

/**
 * One attempt of one delivery: sign, POST, classify, decide, and return the records that
 * record the outcome (attempt log + retry or dead letter, + the 410 flag). Sends nothing to
 * Kafka itself: the lane commits these with the consumed offset in one transaction.
 */
export async function attemptDelivery(
  delivery: Delivery,
  subscription: Subscription | undefined,
  origin: Origin,
  deps: AttemptDependencies,
): Promise<AttemptOutcome> {
  const now = deps.now ?? Date.now;
  const attemptedAt = now();
  const firstAttemptAt = delivery.firstAttemptAt ?? attemptedAt;
  const attempt = delivery.attempt + 1;
  const base = { ...entryBase(delivery, origin, attemptedAt, subscription), attempt };

  const noAttempt = (errorClass: DeadLetterError, detail: string): AttemptOutcome => {
    const entry: AttemptLogEntry = { ...base, attempt: delivery.attempt, outcome: 'dead-letter', http: false, errorClass, reason: errorClass, durationMs: 0 };
    return {
      entry,
      records: [
        attemptRecord(entry, deps.topics),
        deadLetter(delivery, origin, deps.topics, { errorClass, detail, lastAttemptAt: attemptedAt, firstAttemptAt }),
      ],
    };
  };
  const problem = deps.problemOf?.(delivery.subscriptionId);
  if (!subscription) {
    return problem
      ? noAttempt('subscription-invalid', problem)
      : noAttempt('subscription-missing', `subscription ${delivery.subscriptionId} does not exist (deleted after routing?)`);
  }
  if (!subscription.enabled) return noAttempt('subscription-disabled', `subscription ${delivery.subscriptionId} is disabled`);
  if (heldByDisable(subscription, delivery)) return noAttempt('subscription-disabled', disabledDetail(subscription));

  const timestampSeconds = Math.floor(attemptedAt / 1_000);
  const signed = signAttempt({ deliveryId: delivery.deliveryId, timestampSeconds, body: delivery.payload, secrets: subscription.secrets });
  if (!signed.ok) {
    return noAttempt('invalid-secret', `subscription ${subscription.id} cannot be signed for: ${signed.problem}; apply it again with a good secret, then "hookrail dlq replay --subscription ${subscription.id}"`);
  }
  const retries = retriesOf(subscription, delivery.tier, deps);
  const decide = (classification: Classification, attemptsMade: number) =>
    decideRetry({
      classification,
      attemptsMade,
      ladder: ladderFor(retries),
      ...(delivery.rung !== undefined ? { lastRungIndex: delivery.rung } : {}),
      nowMs: now(),
      random: deps.random ?? Math.random,
      jitterRatio: deps.jitterRatio,
    });
  const guarded = () => guardedView(deps.guard, subscription);

  const admission = deps.guard?.admit(subscription);
  if (admission && !admission.go) return holdOutcome(delivery, subscription, origin, admission.reason, admission.retryAfterMs, deps);
  const startedAt = now();
  let result: Awaited<ReturnType<HttpSender['send']>>;
  try {
    result = await deps.sender.send({
      url: subscription.url,
      body: delivery.payload,
      headers: {
        'content-type': delivery.contentType,
        'user-agent': deps.userAgent,
        ...signed.headers,
        ...(delivery.traceparent ? { traceparent: delivery.traceparent } : {}),
      },
    });
  } catch (error) {
    if (admission?.go) admission.release();
    throw error;
  }
  const classification = classifyAttempt(result);
  if (admission?.go) admission.done(result, classification, startedAt);
  const decision = decide(classification, attempt);
  const http = {
    ...guarded(),
    http: true,
    durationMs: Math.round(result.durationMs * 10) / 10,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.errorClass !== undefined ? { errorClass: result.errorClass } : {}),
    ...(classification.outcome !== 'delivered' ? { reason: classification.reason } : {}),
  };

  if (decision.action === 'done') {
    const entry: AttemptLogEntry = { ...base, ...http, outcome: 'delivered' };
    return { entry, records: [attemptRecord(entry, deps.topics)] };
  }
  if (decision.action === 'retry') return retryOutcome({ ...base, ...http, outcome: 'retry' }, delivery, attempt, firstAttemptAt, decision, deps.topics);

  const entry: AttemptLogEntry = { ...base, ...http, outcome: 'dead-letter' };
  const errorClass =
    classification.outcome === 'permanent' && classification.gone ? 'gone' : decision.reason === 'exhausted' ? 'exhausted' : 'permanent';
  const records: OutgoingRecord[] = [
    attemptRecord(entry, deps.topics),
    deadLetter({ ...delivery, attempt }, origin, deps.topics, {
      errorClass,
      detail: describe(result, decision.detail),
      lastAttemptAt: attemptedAt,
      firstAttemptAt,
      ...(result.status !== undefined ? { status: result.status } : {}),
    }),
  ];
  if (errorClass === 'gone') {
    // 410: the receiver says the endpoint is gone for good. Flag the subscription so an
    // operator disables it; hookrail does not disable integrations on its own. The flag is a
    // record of its own: a copy of the subscription could undo a newer change to it.
    const flag = { reason: `receiver answered 410 Gone for ${delivery.deliveryId}`, at: new Date(attemptedAt).toISOString() };
    records.push(flagRecord(deps.topics.subscriptions, subscription.id, flag));
  }
  return { entry, records };
}

/** The retries a subscription's deliveries get: its own override, never more than its tier's topics allow. */
function retriesOf(subscription: Subscription, tier: Delivery['tier'], deps: Pick<AttemptDependencies, 'config'>): number {
  const tierRetries = deps.config.tiers[tier].retries;
  return Math.min(subscription.retry?.retries ?? tierRetries, tierRetries);
}

/** The destination's breaker and limit, for an attempt log entry. */
function guardedView(guard: DestinationGuard | undefined, subscription: Subscription): Pick<AttemptLogEntry, 'breaker'> {
  const view = guard?.view(subscription);
  return view ? { breaker: { destination: view.destination, state: view.breaker, limit: view.limit } } : {};
}

/** The log entry's fields every outcome of one delivery shares. */
function entryBase(delivery: Delivery, origin: Origin, attemptedAt: number, subscription?: Subscription) {
  return {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    subscriptionId: delivery.subscriptionId,
    tier: delivery.tier,
    attempt: delivery.attempt,
    attemptedAt,
    eventTime: delivery.eventTime,
    firstAttemptAt: delivery.firstAttemptAt ?? attemptedAt,
    origin,
    ...(subscription ? { destination: subscription.destination } : {}),
  };
}

/**
 * A delivery the receiver protection holds back without a request (breaker open, Retry-After
 * pause: `policy/hold.ts`): back on a delay topic when the wait is over, its attempts and
 * ladder untouched; dead-lettered as `circuit-open` only past its horizon.
 */
export function holdOutcome(
  delivery: Delivery,
  subscription: Subscription,
  origin: Origin,
  reason: HoldReason,
  waitMs: number,
  deps: AttemptDependencies,
): AttemptOutcome {
  const attemptedAt = (deps.now ?? Date.now)();
  const retries = retriesOf(subscription, delivery.tier, deps);
  const rungs = ladderFor(deps.config.tiers[delivery.tier].retries);
  const decision = decideHold({
    delivery,
    rungs,
    waitMs,
    horizonMs: retryHorizonMs(retries) + (deps.maxHoldMs ?? DEFAULT_MAX_HOLD_MS),
    nowMs: attemptedAt,
    random: deps.random ?? Math.random,
    jitterRatio: deps.jitterRatio,
  });
  const held = { ...entryBase(delivery, origin, attemptedAt, subscription), ...guardedView(deps.guard, subscription), http: false, errorClass: reason, reason, durationMs: 0 };
  if (decision.action === 'wait') {
    const retryTopic = deps.topics.retry(delivery.tier, rungs[decision.rungIndex]!);
    const entry: AttemptLogEntry = { ...held, outcome: 'retry', retryTopic, notBefore: decision.notBefore };
    const waiting: Delivery = { ...delivery, notBefore: decision.notBefore, heldSince: decision.heldSince };
    return { entry, records: [attemptRecord(entry, deps.topics), deliveryRecord(retryTopic, waiting)] };
  }
  const entry: AttemptLogEntry = { ...held, errorClass: 'circuit-open', reason: 'circuit-open', outcome: 'dead-letter' };
  const attempts = `${delivery.attempt} HTTP attempt${delivery.attempt === 1 ? '' : 's'}`;
  const detail = `the receiver stayed unavailable (${reason}) past this delivery's horizon (its ladder + ${Math.round((deps.maxHoldMs ?? DEFAULT_MAX_HOLD_MS) / 1_000)} s): held back ${Math.round(decision.heldForMs / 1_000)} s after ${attempts}`;
  return {
    entry,
    records: [
      attemptRecord(entry, deps.topics),
      deadLetter({ ...delivery, heldSince: decision.heldSince }, origin, deps.topics, { errorClass: 'circuit-open', detail, lastAttemptAt: attemptedAt, firstAttemptAt: entry.firstAttemptAt }),
    ],
  };
}

/**
 * A delivery whose endpoint is saturated leaves the lane without a request (`policy/hold.ts`,
 * decideSpill): the record on a delay topic, nothing else (no attempt was made, nothing to
 * log). Undefined when the tier has no delay topic to spill to.
 */
export function spillOutcome(delivery: Delivery, deps: Pick<AttemptDependencies, 'config' | 'topics' | 'now' | 'random' | 'jitterRatio'>): OutgoingRecord[] | undefined {
  const rungs = ladderFor(deps.config.tiers[delivery.tier].retries);
  const decision = decideSpill({ delivery, rungs, nowMs: (deps.now ?? Date.now)(), random: deps.random ?? Math.random, jitterRatio: deps.jitterRatio });
  if (!decision) return undefined;
  const spilled: Delivery = { ...delivery, notBefore: decision.notBefore, heldSince: decision.heldSince, spilled: decision.spilled };
  return [deliveryRecord(deps.topics.retry(delivery.tier, rungs[decision.rungIndex]!), spilled)];
}

/**
 * An attempt that threw (a bug, or a subscription the code cannot use): the delivery goes to
 * the DLQ with `hookrail-error: internal` and the detail, instead of stopping the lane and
 * meeting the same record again after a restart.
 */
export function internalFailure(delivery: Delivery, origin: Origin, error: unknown, deps: AttemptDependencies): AttemptOutcome {
  const detail = `hookrail failed on this delivery: ${error instanceof Error ? error.message : String(error)}`;
  return deadLetterWithoutAttempt(delivery, origin, 'internal', detail, deps);
}

/** A delivery dead-lettered without a request (`internal`, or `parked` behind a key's dead head). */
export function deadLetterWithoutAttempt(
  delivery: Delivery,
  origin: Origin,
  errorClass: DeadLetterError,
  detail: string,
  deps: Pick<AttemptDependencies, 'topics' | 'now'>,
): AttemptOutcome {
  const attemptedAt = (deps.now ?? Date.now)();
  const firstAttemptAt = delivery.firstAttemptAt ?? attemptedAt;
  const entry: AttemptLogEntry = { ...entryBase(delivery, origin, attemptedAt), outcome: 'dead-letter', http: false, errorClass, reason: errorClass, durationMs: 0 };
  return {
    entry,
    records: [
      attemptRecord(entry, deps.topics),
      deadLetter(delivery, origin, deps.topics, { errorClass, detail, lastAttemptAt: attemptedAt, firstAttemptAt }),
    ],
  };
}

/** The attempt record and the delivery's record on its next rung. */
function retryOutcome(
  entry: Omit<AttemptLogEntry, 'retryTopic' | 'notBefore'>,
  delivery: Delivery,
  attempt: number,
  firstAttemptAt: number,
  decision: Extract<RetryDecision, { action: 'retry' }>,
  topics: TopicNames,
): AttemptOutcome {
  const retryTopic = topics.retry(delivery.tier, decision.rung);
  const logged: AttemptLogEntry = { ...entry, retryTopic, notBefore: decision.notBefore };
  const retry: Delivery = { ...delivery, attempt, firstAttemptAt, notBefore: decision.notBefore, rung: decision.rungIndex };
  return {
    entry: logged,
    records: [attemptRecord(logged, topics), deliveryRecord(retryTopic, retry)],
  };
}

function describe(result: AttemptResult & { responseBodySnippet?: string }, detail: string): string {
  const parts = [detail];
  if (result.errorDetail) parts.push(result.errorDetail);
  if (result.responseBodySnippet) parts.push(`response: ${result.responseBodySnippet}`);
  return parts.join('; ').slice(0, 1_000);
}

export function attemptRecord(entry: AttemptLogEntry, topics: TopicNames): OutgoingRecord {
  return { topic: topics.attempts, message: attemptMessage(entry) };
}

function deadLetter(
  delivery: Delivery,
  origin: Origin,
  topics: TopicNames,
  error: { errorClass: DeadLetterError; detail: string; lastAttemptAt: number; firstAttemptAt: number; status?: number },
): OutgoingRecord {
  const { errorClass, firstAttemptAt, ...cause } = error;
  return deadLetterRecord(topics.dlq, { ...delivery, firstAttemptAt }, { error: errorClass, origin, ...cause });
}
