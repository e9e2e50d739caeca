import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDestinationGuard, type GuardSettings } from './destination-guard.ts';

const settings: GuardSettings = {
  breaker: { enabled: true, windowMs: 10_000, minRequests: 2, failureRatio: 0.5, openMs: 1_000, jitterRatio: 0, probes: 1 },
  adaptive: { enabled: true, backoffRatio: 0.5, latencyTolerance: 2, latencyFloorMs: 100, baselineWindowMs: 60_000, maxPauseMs: 30_000 },
};
const failed = { outcome: 'retry', reason: 'http-500' } as const;

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('destination guard', () => {
  it('keys breakers by origin: two paths of one host share one, another port has its own', () => {
    const clock = fakeClock();
    const transitions: string[] = [];
    const guard = createDestinationGuard({ settings, now: clock.now, onTransition: (d, from, to) => transitions.push(`${d} ${from}→${to}`) });
    for (const path of ['/a', '/b']) {
      const admission = guard.admit(`http://127.0.0.1:8080${path}`, 8);
      assert.ok(admission.go);
      admission.done({ status: 500, durationMs: 5 }, failed, 0);
    }
    assert.deepEqual(transitions, ['http://127.0.0.1:8080 closed→open']);
    assert.deepEqual(guard.admit('http://127.0.0.1:8080/c', 8), { go: false, reason: 'circuit-open', retryAfterMs: 1_000 });
    assert.equal(guard.admit('http://127.0.0.1:8081/a', 8).go, true);
    clock.advance(1_000);
    const probe = guard.admit('http://127.0.0.1:8080/a', 8);
    assert.ok(probe.go);
    probe.done({ status: 200, durationMs: 5 }, { outcome: 'delivered' }, 1_000);
    assert.deepEqual(transitions.slice(1), ['http://127.0.0.1:8080 open→half-open', 'http://127.0.0.1:8080 half-open→closed']);
  });

  it('a 429 with Retry-After holds every record for the destination and halves its limit', () => {
    const clock = fakeClock();
    const guard = createDestinationGuard({ settings, now: clock.now });
    const admission = guard.admit('https://r.example/hook', 8);
    assert.ok(admission.go);
    admission.done({ status: 429, durationMs: 5, retryAfterMs: 2_000 }, { outcome: 'retry', reason: 'http-429', retryAfterMs: 2_000 }, 0);
    assert.deepEqual(guard.admit('https://r.example/other', 8), { go: false, reason: 'destination-paused', retryAfterMs: 2_000 });
    assert.equal(guard.limit('https://r.example/hook', 8), 4);
    assert.equal(guard.limit('https://r.example/hook', 2), 2, 'never above the subscription\'s own maxInFlight');
    clock.advance(2_000);
    assert.equal(guard.admit('https://r.example/hook', 8).go, true);
  });

  it('a 400 says nothing about the receiver\'s health: it does not open the breaker', () => {
    const guard = createDestinationGuard({ settings, now: () => 0 });
    for (let i = 0; i < 5; i++) {
      const admission = guard.admit('https://r.example/hook', 8);
      assert.ok(admission.go);
      admission.done({ status: 400, durationMs: 5 }, { outcome: 'permanent', reason: 'http-400', gone: false }, 0);
    }
    assert.equal(guard.view('https://r.example/hook')?.breaker, 'closed');
  });

  it('disabled, it lets everything through at the subscription\'s maxInFlight', () => {
    const guard = createDestinationGuard({ settings: { breaker: { ...settings.breaker, enabled: false }, adaptive: { ...settings.adaptive, enabled: false } }, now: () => 0 });
    for (let i = 0; i < 5; i++) {
      const admission = guard.admit('https://r.example/hook', 8);
      assert.ok(admission.go);
      admission.done({ errorClass: 'timeout', durationMs: 30_000 }, { outcome: 'retry', reason: 'timeout' }, 0);
    }
    assert.equal(guard.admit('https://r.example/hook', 8).go, true);
    assert.equal(guard.limit('https://r.example/hook', 8), 8);
  });
});
