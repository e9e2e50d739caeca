/**
 * Response classification (DESIGN.md, "Response classification"): what one HTTP attempt means
 * for the delivery. Data in, decision out; the retry ladder is applied elsewhere.
 */

/** Why an attempt produced no usable HTTP status. */
export type ErrorClass =
  | 'timeout'
  | 'connection'
  | 'dns'
  | 'tls'
  | 'ssrf-blocked'
  | 'body-too-large'
  | 'invalid-url'
  | 'http';

/** What the sender observed for one attempt. */
export interface AttemptResult {
  /** The HTTP status, when a response head arrived. */
  status?: number;
  /** Set when there is no usable status ('http' = a malformed response without one). */
  errorClass?: ErrorClass;
  errorDetail?: string;
  /** From the response's Retry-After, already parsed to a delay. */
  retryAfterMs?: number;
  durationMs: number;
}

export type Classification =
  | { outcome: 'delivered' }
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  | { outcome: 'permanent'; reason: string; gone: boolean };

/** Statuses outside 5xx that say "try again later" rather than "you sent something wrong". */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);

/**
 * Errors that may clear up on their own are retried. A blocked or invalid URL and an oversized
 * payload are configuration or data problems: retrying only hammers the ladder for nothing.
 * TLS is retried: certificates expire and get renewed, middleboxes get fixed.
 */
const ERROR_IS_RETRYABLE: Readonly<Record<ErrorClass, boolean>> = {
  timeout: true,
  connection: true,
  dns: true,
  tls: true,
  http: true,
  'ssrf-blocked': false,
  'invalid-url': false,
  'body-too-large': false,
};

export function classifyAttempt(result: AttemptResult): Classification {
  // An error class other than 'http' means the status (if any) is not what to judge by.
  if (result.errorClass !== undefined && (result.errorClass !== 'http' || result.status === undefined)) {
    return classifyError(result.errorClass, result.retryAfterMs);
  }
  if (result.status === undefined) {
    // Nothing observed at all: a sender bug. Retrying is the choice that never loses an event.
    return withRetryAfter({ outcome: 'retry', reason: 'unknown' }, result.retryAfterMs);
  }
  return classifyStatus(result.status, result.retryAfterMs);
}

function classifyError(errorClass: ErrorClass, retryAfterMs: number | undefined): Classification {
  return ERROR_IS_RETRYABLE[errorClass]
    ? withRetryAfter({ outcome: 'retry', reason: errorClass }, retryAfterMs)
    : { outcome: 'permanent', reason: errorClass, gone: false };
}

function classifyStatus(status: number, retryAfterMs: number | undefined): Classification {
  if (status >= 200 && status <= 299) return { outcome: 'delivered' };
  if (status === 410) return { outcome: 'permanent', reason: 'gone', gone: true };
  if (RETRYABLE_STATUSES.has(status) || (status >= 500 && status <= 599)) {
    return withRetryAfter({ outcome: 'retry', reason: `http-${status}` }, retryAfterMs);
  }
  // 1xx as a final status, 3xx (redirects are not followed), other 4xx, nonsense codes:
  // a receiver bug or misconfiguration that retrying will not fix.
  return { outcome: 'permanent', reason: `http-${status}`, gone: false };
}

function withRetryAfter(
  retry: { outcome: 'retry'; reason: string },
  retryAfterMs: number | undefined,
): Classification {
  return retryAfterMs === undefined ? retry : { ...retry, retryAfterMs };
}
