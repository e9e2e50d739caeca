import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, type BreakerSettings } from './circuit-breaker.ts';

const settings: BreakerSettings = { windowMs: 10_000, minRequests: 4, failureRatio: 0.5, openMs: 1_000, jitterRatio: 0.5, probes: 2, consecutiveFailures: 0 };
const closedPermit = { probe: false };

/** A breaker on a fake clock whose jitter draw is `random`. */
const breaker = (random = 0, overrides: Partial<BreakerSettings> = {}) => new CircuitBreaker({ ...settings, ...overrides }, () => random);

describe('circuit breaker', () => {
  it('stays closed under the minimum number of requests, however many fail', () => {
    const b = breaker();
    for (let t = 0; t < 3; t++) b.record(closedPermit, true, t);
    assert.equal(b.state(3), 'closed');
    assert.deepEqual(b.tryAcquire(3), { go: true, probe: false });
  });

  it('opens once the window holds the minimum and the failed share reaches the ratio', () => {
    const b = breaker();
    b.record(closedPermit, false, 0);
    b.record(closedPermit, false, 1);
    b.record(closedPermit, true, 2);
    assert.equal(b.state(2), 'closed', '1 of 3: under the minimum');
    b.record(closedPermit, true, 3);
    assert.equal(b.state(3), 'open', '2 of 4 failed = 50 %');
    assert.equal(b.opened, 1);
  });

  it('opens on consecutive failures whatever the successes in the window; a success in between resets the count', () => {
    const b = breaker(0, { minRequests: 1_000, consecutiveFailures: 3 });
    for (let t = 0; t < 100; t++) b.record(closedPermit, false, t);
    b.record(closedPermit, true, 100);
    b.record(closedPermit, true, 101);
    b.record(closedPermit, false, 102);
    b.record(closedPermit, true, 103);
    b.record(closedPermit, true, 104);
    assert.equal(b.state(104), 'closed', 'never three in a row');
    b.record(closedPermit, true, 105);
    assert.equal(b.state(105), 'open');
  });

  it('adopts an open state learnt from another instance, and its closing', () => {
    const b = breaker();
    b.adoptOpen(5_000, 0);
    assert.deepEqual(b.tryAcquire(10), { go: false, retryAfterMs: 4_990 });
    assert.equal(b.openUntil(10), 5_000);
    b.adoptClosed(20);
    assert.equal(b.state(20), 'closed');
    assert.equal(b.closed, 1);
  });

  it('forgets outcomes older than the window', () => {
    const b = breaker();
    b.record(closedPermit, true, 0);
    b.record(closedPermit, true, 0);
    b.record(closedPermit, true, 0);
    b.record(closedPermit, true, 10_500);
    assert.equal(b.state(10_500), 'closed', 'the three early failures left the window');
    assert.deepEqual(b.window(10_500), { failures: 1, total: 1 });
  });

  it('turns requests away while open, saying how long is left, then goes half-open after the cool-down and its jitter', () => {
    const b = breaker(0.5); // jitter = 0.5 × 0.5 × 1000 = 250 ms
    for (let i = 0; i < 4; i++) b.record(closedPermit, true, 100);
    assert.deepEqual(b.tryAcquire(100), { go: false, retryAfterMs: 1_250 });
    assert.deepEqual(b.tryAcquire(1_000), { go: false, retryAfterMs: 350 });
    assert.equal(b.state(1_349), 'open');
    assert.equal(b.state(1_350), 'half-open');
  });

  it('lets only the probes through while half-open, and closes with an empty window once they succeed', () => {
    const b = breaker();
    for (let i = 0; i < 4; i++) b.record(closedPermit, true, 0);
    const first = b.tryAcquire(1_000);
    const second = b.tryAcquire(1_000);
    assert.deepEqual([first, second], [{ go: true, probe: true }, { go: true, probe: true }]);
    assert.equal(b.tryAcquire(1_000).go, false, 'a third request waits for the probes');
    b.record({ probe: true }, false, 1_010);
    assert.equal(b.state(1_010), 'half-open');
    assert.equal(b.tryAcquire(1_010).go, false, 'one probe out, one succeeded: the quota is used');
    b.record({ probe: true }, false, 1_020);
    assert.equal(b.state(1_020), 'closed');
    assert.deepEqual(b.window(1_020), { failures: 0, total: 0 });
  });

  it('opens again for a new cool-down when a probe fails', () => {
    const b = breaker();
    for (let i = 0; i < 4; i++) b.record(closedPermit, true, 0);
    b.tryAcquire(1_000);
    b.record({ probe: true }, true, 1_100);
    assert.equal(b.state(1_100), 'open');
    assert.equal(b.opened, 2);
    assert.equal(b.state(2_099), 'open');
    assert.equal(b.state(2_100), 'half-open');
  });

  it('a probe released without a verdict frees its place', () => {
    const b = breaker(0, { probes: 1 });
    for (let i = 0; i < 4; i++) b.record(closedPermit, true, 0);
    assert.equal(b.tryAcquire(1_000).go, true);
    assert.equal(b.tryAcquire(1_000).go, false);
    b.record({ probe: true }, undefined, 1_000);
    assert.equal(b.tryAcquire(1_000).go, true);
  });

  it('ignores outcomes of requests sent while closed that finish after it opened', () => {
    const b = breaker();
    for (let i = 0; i < 4; i++) b.record(closedPermit, true, 0);
    b.record(closedPermit, false, 500);
    b.record(closedPermit, true, 500);
    assert.equal(b.opened, 1);
    assert.equal(b.state(1_000), 'half-open');
  });
});
