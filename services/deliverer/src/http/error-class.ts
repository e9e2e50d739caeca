import type { ErrorClass } from '../policy/classify.ts';
import { SSRF_BLOCKED_CODE } from '../policy/ssrf.ts';

/** How a failed attempt is recorded: a class for policy and metrics, a detail for people. */
export interface ClassifiedError {
  errorClass: ErrorClass;
  errorDetail: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ESERVFAIL', 'ENODATA']);
/** OpenSSL's certificate verification codes, as Node surfaces them. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH', 'EPROTO',
]);

/**
 * The ErrorClass of whatever undici or the socket layer threw. Walks `cause` and the errors of
 * an AggregateError (Happy Eyeballs tries every address), taking the first that is recognized.
 * Anything unrecognized is 'connection': retryable, so an unknown failure never drops an event.
 */
export function classifyError(error: unknown): ClassifiedError {
  for (const candidate of causes(error)) {
    const errorClass = recognize(candidate);
    if (errorClass) return { errorClass, errorDetail: describe(candidate) };
  }
  return { errorClass: 'connection', errorDetail: describe(error) };
}

function recognize(error: ErrorLike): ErrorClass | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  if (code === SSRF_BLOCKED_CODE) return 'ssrf-blocked';
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError.
  if (TIMEOUT_CODES.has(code) || error.name === 'TimeoutError') return 'timeout';
  if (DNS_CODES.has(code)) return 'dns';
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return 'tls';
  if (code.startsWith('E') && /^E[A-Z]+$/.test(code)) return 'connection'; // ECONNREFUSED, ECONNRESET, EPIPE, …
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED') return 'connection';
  if (code.startsWith('HPE_')) return 'http'; // llhttp: the receiver's response was not valid HTTP
  return undefined;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The error, then its causes and aggregated errors, breadth first, each once. */
function* causes(error: unknown): Generator<ErrorLike> {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    const candidate = next as ErrorLike;
    yield candidate;
    if (candidate.cause !== undefined) queue.push(candidate.cause);
    if (Array.isArray(candidate.errors)) queue.push(...candidate.errors);
  }
}

function describe(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const { code, message, name } = error as ErrorLike;
  // One line, bounded: it ends up in a Kafka header (hookrail-error-detail) and in logs.
  const text = (typeof message === 'string' && message.trim() !== '' ? message : String(name ?? 'error'))
    .replace(/\s+/g, ' ')
    .trim();
  const full = typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
  return full.length > MAX_DETAIL_CHARS ? `${full.slice(0, MAX_DETAIL_CHARS - 1)}…` : full;
}

const MAX_DETAIL_CHARS = 300;
