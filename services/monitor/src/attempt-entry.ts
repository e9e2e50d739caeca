/**
 * The monitor's reading of one `<prefix>.attempts` record: the fields of the deliverer's
 * AttemptLogEntry it uses (services/deliverer/src/attempt.ts). A unit test keeps the two in
 * step at the type level.
 */
export interface AttemptEntry {
  deliveryId: string;
  subscriptionId: string;
  tier: 1 | 2 | 3;
  /** 1 for the first attempt. */
  attempt: number;
  outcome: 'delivered' | 'retry' | 'dead-letter';
  http: boolean;
  status?: number;
  errorClass?: string;
  durationMs: number;
  attemptedAt: number;
  eventTime: number;
  firstAttemptAt: number;
  notBefore?: number;
  /** The destination's circuit breaker and in-flight limit after the attempt (deliverer-guarded). */
  breaker?: { destination: string; state: BreakerState; limit: number };
}

export type BreakerState = 'closed' | 'open' | 'half-open';
const BREAKER_STATES = new Set(['closed', 'open', 'half-open']);

const OUTCOMES = new Set(['delivered', 'retry', 'dead-letter']);

/** Parses a record value; undefined when it is not an attempt entry. */
export function parseAttemptEntry(value: Buffer | string | null | undefined): AttemptEntry | undefined {
  if (value === null || value === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString());
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const num = (key: string) => (typeof r[key] === 'number' && Number.isFinite(r[key]) ? (r[key] as number) : undefined);
  const tier = num('tier');
  const attempt = num('attempt');
  const attemptedAt = num('attemptedAt');
  if (typeof r.deliveryId !== 'string' || typeof r.subscriptionId !== 'string') return undefined;
  if (tier !== 1 && tier !== 2 && tier !== 3) return undefined;
  if (attempt === undefined || attemptedAt === undefined || typeof r.outcome !== 'string' || !OUTCOMES.has(r.outcome)) return undefined;
  const entry: AttemptEntry = {
    deliveryId: r.deliveryId,
    subscriptionId: r.subscriptionId,
    tier,
    attempt,
    outcome: r.outcome as AttemptEntry['outcome'],
    http: r.http !== false,
    durationMs: num('durationMs') ?? 0,
    attemptedAt,
    eventTime: num('eventTime') ?? 0,
    firstAttemptAt: num('firstAttemptAt') ?? attemptedAt,
  };
  const status = num('status');
  if (status !== undefined) entry.status = status;
  if (typeof r.errorClass === 'string') entry.errorClass = r.errorClass;
  const notBefore = num('notBefore');
  if (notBefore !== undefined) entry.notBefore = notBefore;
  const breaker = r.breaker as Record<string, unknown> | null | undefined;
  if (typeof breaker === 'object' && breaker !== null && typeof breaker.destination === 'string' && BREAKER_STATES.has(breaker.state as string)) {
    entry.breaker = { destination: breaker.destination, state: breaker.state as BreakerState, limit: typeof breaker.limit === 'number' ? breaker.limit : 0 };
  }
  return entry;
}

/** OTel `error.type` of a failed attempt: the error class, else the status code. */
export function errorType(entry: AttemptEntry): string | undefined {
  if (entry.outcome === 'delivered') return undefined;
  return entry.errorClass ?? (entry.status !== undefined ? String(entry.status) : '_OTHER');
}
