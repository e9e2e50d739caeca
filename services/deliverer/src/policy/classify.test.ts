import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAttempt, type ErrorClass } from './classify.ts';

const status = (code: number, retryAfterMs?: number) =>
  classifyAttempt(retryAfterMs === undefined ? { status: code, durationMs: 5 } : { status: code, retryAfterMs, durationMs: 5 });

describe('classifyAttempt by status', () => {
  for (const code of [200, 201, 202, 204, 299]) {
    it(`${code} is delivered`, () => assert.deepEqual(status(code), { outcome: 'delivered' }));
  }

  for (const code of [408, 425, 429, 500, 502, 503, 504, 599]) {
    it(`${code} is retried`, () => assert.deepEqual(status(code), { outcome: 'retry', reason: `http-${code}` }));
  }

  it('keeps Retry-After on a retry', () => {
    assert.deepEqual(status(503, 30_000), { outcome: 'retry', reason: 'http-503', retryAfterMs: 30_000 });
    assert.deepEqual(status(429, 1_000), { outcome: 'retry', reason: 'http-429', retryAfterMs: 1_000 });
  });

  it('410 is permanent and flags the subscription as gone', () => {
    assert.deepEqual(status(410), { outcome: 'permanent', reason: 'gone', gone: true });
  });

  for (const code of [100, 101, 199, 300, 301, 302, 304, 307, 308, 400, 401, 403, 404, 405, 409, 413, 415, 422, 451, 499, 600]) {
    it(`${code} is permanent`, () =>
      assert.deepEqual(status(code), { outcome: 'permanent', reason: `http-${code}`, gone: false }));
  }

  it('ignores Retry-After on a permanent failure', () => {
    assert.deepEqual(status(400, 5_000), { outcome: 'permanent', reason: 'http-400', gone: false });
  });
});

describe('classifyAttempt by error', () => {
  const retryable: ErrorClass[] = ['timeout', 'connection', 'dns', 'tls', 'http'];
  for (const errorClass of retryable) {
    it(`${errorClass} is retried`, () =>
      assert.deepEqual(classifyAttempt({ errorClass, durationMs: 1 }), { outcome: 'retry', reason: errorClass }));
  }

  const permanent: ErrorClass[] = ['ssrf-blocked', 'invalid-url', 'body-too-large'];
  for (const errorClass of permanent) {
    it(`${errorClass} is permanent (config and data problems do not fix themselves)`, () =>
      assert.deepEqual(classifyAttempt({ errorClass, durationMs: 1 }), {
        outcome: 'permanent',
        reason: errorClass,
        gone: false,
      }));
  }

  it('an error other than http wins over a status', () => {
    assert.deepEqual(classifyAttempt({ status: 200, errorClass: 'timeout', durationMs: 1 }), {
      outcome: 'retry',
      reason: 'timeout',
    });
  });

  it('errorClass http with a status is judged by the status', () => {
    assert.deepEqual(classifyAttempt({ status: 404, errorClass: 'http', durationMs: 1 }), {
      outcome: 'permanent',
      reason: 'http-404',
      gone: false,
    });
  });

  it('retries when nothing was observed, so a sender bug never drops an event', () => {
    assert.deepEqual(classifyAttempt({ durationMs: 0 }), { outcome: 'retry', reason: 'unknown' });
  });
});
