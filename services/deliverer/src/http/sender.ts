import { performance } from 'node:perf_hooks';
import { Agent, type Dispatcher } from 'undici';
import type { AttemptResult, ErrorClass } from '../policy/classify.ts';
import { parseRetryAfter } from '../policy/retry-after.ts';
import type { SsrfPolicy } from '../policy/ssrf.ts';
import { classifyError } from './error-class.ts';
import { createGuardedConnector } from './guarded-connector.ts';

/** One POST of a delivery. */
export interface SendRequest {
  url: string;
  /** Exactly the bytes that were signed. */
  body: Buffer;
  headers: Record<string, string>;
  /** Overrides the sender's totalTimeoutMs for this attempt. */
  timeoutMs?: number;
}

export type SendResult = AttemptResult & { responseBodySnippet?: string };

export interface HttpSender {
  send(request: SendRequest): Promise<SendResult>;
  /** Waits for attempts in flight, then closes every connection. */
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  /** DNS + TCP + TLS. Default 5 s. */
  connectTimeoutMs?: number;
  /** From request sent to response head. Default 10 s. */
  headersTimeoutMs?: number;
  /** Longest silence between response body chunks. Default 10 s. */
  bodyTimeoutMs?: number;
  /** Bound on the whole attempt, connect to last body byte. Default 30 s. */
  totalTimeoutMs?: number;
  /** Response bytes read at most; a longer body is cut off (and its connection closed). Default 64 KiB. */
  maxResponseBytes?: number;
  /** Response bytes kept as `responseBodySnippet`. Default 4 KiB. */
  snippetBytes?: number;
  /** Request payloads larger than this are not sent ('body-too-large'). Default 1 MiB. */
  maxRequestBytes?: number;
  /** Keep-alive connections per receiver origin. Default 64. */
  connectionsPerOrigin?: number;
  ssrf?: SsrfPolicy;
  /** http:// URLs fail as 'invalid-url' unless false (development). Default true. */
  requireHttps?: boolean;
  userAgent?: string;
}

export const SENDER_DEFAULTS = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  maxResponseBytes: 64 * 1024,
  snippetBytes: 4 * 1024,
  maxRequestBytes: 1024 * 1024,
  connectionsPerOrigin: 64,
  requireHttps: true,
  userAgent: 'hookrail/0.1',
} as const;

export function createHttpSender(options: HttpSenderOptions = {}): HttpSender {
  const settings = { ...SENDER_DEFAULTS, ...definedOnly(options) };
  // One Agent: it keeps a keep-alive pool per origin, so receivers do not share connections.
  const agent = new Agent({
    connections: settings.connectionsPerOrigin,
    headersTimeout: settings.headersTimeoutMs,
    bodyTimeout: settings.bodyTimeoutMs,
    connect: createGuardedConnector({ ssrf: options.ssrf ?? {}, connectTimeoutMs: settings.connectTimeoutMs }),
  });

  async function send(request: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1_000) / 1_000;
    const fail = (errorClass: ErrorClass, errorDetail: string): SendResult => ({
      errorClass,
      errorDetail,
      durationMs: elapsed(),
    });

    const target = parseTarget(request.url, settings.requireHttps);
    if (typeof target === 'string') return fail('invalid-url', target);
    if (request.body.length > settings.maxRequestBytes) {
      return fail('body-too-large', `payload is ${request.body.length} bytes, the limit is ${settings.maxRequestBytes}`);
    }

    const timeoutMs = request.timeoutMs ?? settings.totalTimeoutMs;
    // Like AbortSignal.timeout(), but cleared when the attempt ends: at thousands of attempts a
    // second, uncleared 30 s timers would pile up for nothing.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`attempt exceeded ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await agent.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: requestHeaders(request.headers, settings.userAgent),
          body: request.body,
          signal: controller.signal,
        });
      } catch (error) {
        if (controller.signal.aborted) return fail('timeout', `no response within ${timeoutMs} ms`);
        const { errorClass, errorDetail } = classifyError(error);
        return fail(errorClass, errorDetail);
      }

      // The status is the receiver's answer; a body that stalls or breaks afterwards changes
      // nothing about it, so it is only noted.
      const body = await readCapped(response.body, settings.maxResponseBytes, settings.snippetBytes);
      const retryAfterMs = parseRetryAfter(firstHeader(response.headers['retry-after']), Date.now());
      const result: SendResult = { status: response.statusCode, durationMs: elapsed() };
      if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
      if (body.snippet.length > 0) result.responseBodySnippet = body.snippet;
      if (body.problem !== undefined) result.errorDetail = body.problem;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    send,
    close: () => agent.close(),
  };
}

/** The URL to POST to, or why it cannot be used. */
function parseTarget(url: string, requireHttps: boolean): URL | string {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'not a valid URL'; // not echoed: URLs may carry tokens
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    return `unsupported scheme ${target.protocol} (expected https:)`;
  }
  if (target.protocol === 'http:' && requireHttps) return 'http:// URL refused: HTTPS is required';
  // undici would silently drop them; credentials belong in headers, not in the URL.
  if (target.username !== '' || target.password !== '') return 'credentials in the URL are not supported';
  return target;
}

function requestHeaders(headers: Record<string, string>, userAgent: string): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    // undici sets these from the body and the connection; a stale copy would corrupt the request.
    if (lower === 'content-length' || lower === 'host' || lower === 'connection' || lower === 'transfer-encoding') continue;
    out[lower] = value;
  }
  return out;
}

/**
 * Reads at most `maxBytes` of a response body, keeping the first `keepBytes`. A body read to
 * its end leaves the connection reusable; one cut off is destroyed, closing its connection —
 * cheaper than downloading what nobody reads.
 */
async function readCapped(
  body: Dispatcher.ResponseData['body'],
  maxBytes: number,
  keepBytes: number,
): Promise<{ snippet: string; problem?: string }> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let readBytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      readBytes += chunk.length;
      if (keptBytes < keepBytes) {
        const part = chunk.subarray(0, keepBytes - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (readBytes > maxBytes) {
        body.destroy();
        return { snippet: Buffer.concat(kept).toString('utf8'), problem: `response body cut off after ${readBytes} bytes` };
      }
    }
    return { snippet: Buffer.concat(kept).toString('utf8') };
  } catch (error) {
    return { snippet: Buffer.concat(kept).toString('utf8'), problem: `response body: ${classifyError(error).errorDetail}` };
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
