import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptiveSchema, breakerSchema } from './guard-config.ts';

const problems = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('breaker and adaptive limit settings', () => {
  it('both on by default, with the documented defaults', () => {
    assert.deepEqual(breakerSchema.parse(undefined), {
      enabled: true, windowMs: 60_000, minRequests: 20, failureRatio: 0.5, openMs: 30_000, jitterRatio: 0.2, probes: 3,
      consecutiveFailures: 10, maxHoldMs: 1_800_000, rateFactor: 1.8, minRatePerSecond: 1, quietMs: 10_000, maxMs: 300_000,
    });
    assert.deepEqual(adaptiveSchema.parse(undefined), { enabled: true, backoffRatio: 0.5, latencyTolerance: 2, latencyFloorMs: 100, baselineWindowMs: 60_000, maxPauseMs: 60_000 });
  });

  it('takes environment strings: durations, ratios, booleans', () => {
    assert.deepEqual(breakerSchema.parse({ enabled: 'false', windowMs: '10s', failureRatio: '0.7', openMs: '2m' }), {
      enabled: false, windowMs: 10_000, minRequests: 20, failureRatio: 0.7, openMs: 120_000, jitterRatio: 0.2, probes: 3,
      consecutiveFailures: 10, maxHoldMs: 1_800_000, rateFactor: 1.8, minRatePerSecond: 1, quietMs: 10_000, maxMs: 300_000,
    });
  });

  it('says what was expected for each bad value', () => {
    assert.deepEqual(problems(breakerSchema.safeParse({ failureRatio: 0, probes: 0, windowMs: '100ms', unknown: 1 })), [
      'windowMs: expected a window of at least 1s',
      'failureRatio: expected the failed share of requests that opens the breaker: a number above 0 up to 1 (e.g. 0.5)',
      'probes: expected a whole number from 1 to 100',
      ': Unrecognized key: "unknown"',
    ]);
    assert.deepEqual(problems(adaptiveSchema.safeParse({ backoffRatio: 1, latencyTolerance: 0.5 })), [
      'backoffRatio: expected the backoff ratio: a number above 0 and below 1 (e.g. 0.5)',
      'latencyTolerance: expected a latency tolerance of at least 1 (e.g. 2)',
    ]);
  });
});
