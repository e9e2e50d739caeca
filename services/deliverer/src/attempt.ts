import {
  attemptMessage,
  deadLetterRecord,
  deliveryRecord,
  flagRecord,
  ladderFor,
  type AttemptLogEntry,
  type BaseConfig,
  type DeadLetterError,
  type OutgoingRecord,
  type Delivery,
  type Origin,
  type Subscription,
  type TopicNames,
} from '@hookrail/shared';
import type { DestinationGuard } from './dispatch/destination-guard.ts';
import type { HttpSender } from './http/sender.ts';
import { classifyAttempt, type AttemptResult, type Classification } from './policy/classify.ts';
import { heldByDisable, disabledDetail } from './policy/disabled-subscription.ts';
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
}

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
  const base = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    subscriptionId: delivery.subscriptionId,
    tier: delivery.tier,
    attempt,
    attemptedAt,
    eventTime: delivery.eventTime,
    firstAttemptAt,
    origin,
    ...(subscription ? { destination: subscription.destination } : {}),
  };

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
  const tierRetries = deps.config.tiers[delivery.tier].retries;
  const retries = Math.min(subscription.retry?.retries ?? tierRetries, tierRetries);
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
  const guarded = () => {
    const view = deps.guard?.view(subscription.url);
    return view ? { breaker: { destination: view.destination, state: view.breaker, limit: view.limit } } : {};
  };

  const admission = deps.guard?.admit(subscription.url, subscription.maxInFlight);
  if (admission && !admission.go) {
    // Breaker open or destination paused: no request. The delivery moves one rung up the
    // ladder (covering the wait) without spending an attempt (docs/architecture.md).
    const classification: Classification = { outcome: 'retry', reason: admission.reason, retryAfterMs: admission.retryAfterMs };
    const decision = decide(classification, Math.max(1, delivery.attempt));
    const held = { ...base, ...guarded(), attempt: delivery.attempt, http: false, errorClass: admission.reason, reason: admission.reason, durationMs: 0 };
    if (decision.action === 'retry') return retryOutcome({ ...held, outcome: 'retry' }, delivery, delivery.attempt, firstAttemptAt, decision, deps.topics);
    const entry: AttemptLogEntry = { ...held, outcome: 'dead-letter' };
    const detail = `${admission.reason} at the last rung of the ladder, after ${delivery.attempt} HTTP attempt${delivery.attempt === 1 ? '' : 's'}`;
    return { entry, records: [attemptRecord(entry, deps.topics), deadLetter(delivery, origin, deps.topics, { errorClass: 'exhausted', detail, lastAttemptAt: attemptedAt, firstAttemptAt })] };
  }
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
  const entry: AttemptLogEntry = {
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    subscriptionId: delivery.subscriptionId,
    tier: delivery.tier,
    attempt: delivery.attempt,
    attemptedAt,
    eventTime: delivery.eventTime,
    firstAttemptAt,
    origin,
    outcome: 'dead-letter',
    http: false,
    errorClass,
    reason: errorClass,
    durationMs: 0,
  };
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
