import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDestinationGuard, endpointOf, type GuardSettings, type Target } from './destination-guard.ts';

const settings: GuardSettings = {
  breaker: {
    enabled: true, windowMs: 10_000, minRequests: 2, failureRatio: 0.5, openMs: 1_000, jitterRatio: 0, probes: 1, consecutiveFailures: 0,
    rateFactor: 2, minRatePerSecond: 1, quietMs: 10_000, maxMs: 300_000,
  },
  adaptive: { enabled: true, backoffRatio: 0.5, latencyTolerance: 2, latencyFloorMs: 100, baselineWindowMs: 60_000, maxPauseMs: 30_000 },
};
const failed = { outcome: 'retry', reason: 'http-500' } as const;
const ok = { outcome: 'delivered' } as const;
const target = (url: string, maxInFlight = 8, endpointGroup?: string): Target => ({ url, maxInFlight, ...(endpointGroup ? { endpointGroup } : {}) });

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Sends one request through the guard and reports its answer. */
function send(guard: ReturnType<typeof createDestinationGuard>, to: Target, answer: { status?: number; errorClass?: 'connection' | 'timeout' }, at = 0) {
  const admission = guard.admit(to);
  assert.ok(admission.go, `admitted to ${to.url}`);
  const retry = answer.status === undefined || answer.status >= 500;
  admission.done({ ...answer, durationMs: 5 }, retry ? failed : answer.status! >= 400 ? { outcome: 'permanent', reason: `http-${answer.status}`, gone: false } : ok, at);
}

describe('destination guard', () => {
  it('judges HTTP answers per endpoint: a failing path opens its own breaker, its siblings on the host keep going', () => {
    const clock = fakeClock();
    const transitions: string[] = [];
    const guard = createDestinationGuard({ settings, now: clock.now, onTransition: (d, from, to) => transitions.push(`${d} ${from}→${to}`) });
    send(guard, target('http://127.0.0.1:8080/a'), { status: 502 });
    send(guard, target('http://127.0.0.1:8080/a'), { status: 502 });
    send(guard, target('http://127.0.0.1:8080/b'), { status: 200 });
    assert.deepEqual(transitions, ['http://127.0.0.1:8080/a closed→open']);
    assert.deepEqual(guard.admit(target('http://127.0.0.1:8080/a?x=1')), { go: false, reason: 'circuit-open', retryAfterMs: 1_000 }, 'the query is not part of the endpoint');
    assert.equal(guard.admit(target('http://127.0.0.1:8080/b')).go, true);
    assert.deepEqual(guard.blockedFor(target('http://127.0.0.1:8080/a')), { reason: 'circuit-open', ms: 1_000 });
    assert.equal(guard.blockedFor(target('http://127.0.0.1:8080/b')), undefined);
    clock.advance(1_000);
    send(guard, target('http://127.0.0.1:8080/a'), { status: 200 }, 1_000);
    assert.deepEqual(transitions.slice(1), ['http://127.0.0.1:8080/a open→half-open', 'http://127.0.0.1:8080/a half-open→closed']);
  });

  it('a plain 500 (a handler answering about one request, not the endpoint unavailable) opens no breaker', () => {
    const guard = createDestinationGuard({ settings: { ...settings, breaker: { ...settings.breaker, consecutiveFailures: 3 } }, now: () => 0 });
    for (let i = 0; i < 20; i++) send(guard, target('https://r.example/flaky'), { status: 500 });
    assert.equal(guard.blockedFor(target('https://r.example/flaky')), undefined, 'the ladder retries it with real attempts');
    for (let i = 0; i < 2; i++) send(guard, target('https://r.example/down'), { status: 503 });
    assert.equal(guard.blockedFor(target('https://r.example/down'))?.reason, 'circuit-open');
  });

  it('endpoints that name one endpointGroup share a breaker', () => {
    const guard = createDestinationGuard({ settings, now: () => 0 });
    send(guard, target('https://gw.example/one', 8, 'crm'), { status: 503 });
    send(guard, target('https://gw.example/two', 8, 'crm'), { status: 503 });
    assert.equal(guard.admit(target('https://gw.example/three', 8, 'crm')).go, false);
    assert.equal(endpointOf({ url: 'https://gw.example/one', endpointGroup: 'crm' }), 'group:crm');
    assert.equal(guard.admit(target('https://gw.example/one')).go, true, 'the same URL outside the group is its own endpoint');
  });

  it('judges transport failures per host: connections refused on one path hold every path of the host', () => {
    const transitions: string[] = [];
    const guard = createDestinationGuard({ settings, now: () => 0, onTransition: (d, from, to) => transitions.push(`${d} ${from}→${to}`) });
    send(guard, target('http://h.example/a'), { errorClass: 'connection' });
    send(guard, target('http://h.example/b'), { errorClass: 'connection' });
    assert.ok(transitions.includes('http://h.example closed→open'), transitions.join(', '));
    assert.equal(guard.admit(target('http://h.example/c')).go, false);
    assert.equal(guard.view(target('http://h.example/a'))?.breaker, 'open', 'the view shows the host breaker when it is worse');
  });

  it('opens on consecutive failures within tens of requests, whatever the successes before', () => {
    const guard = createDestinationGuard({ settings: { ...settings, breaker: { ...settings.breaker, minRequests: 1_000, consecutiveFailures: 10 } }, now: () => 0 });
    for (let i = 0; i < 500; i++) send(guard, target('https://r.example/hook'), { status: 200 });
    for (let i = 0; i < 9; i++) send(guard, target('https://r.example/hook'), { status: 502 });
    assert.equal(guard.admit(target('https://r.example/hook')).go, true, '9 in a row: still closed');
    send(guard, target('https://r.example/hook'), { status: 502 });
    assert.equal(guard.blockedFor(target('https://r.example/hook'))?.reason, 'circuit-open', 'the 10th in a row opens it');
  });

  it('after it closes: slow start from one request in flight, and a release rate capped at twice the rate before the outage', () => {
    const clock = fakeClock();
    const guard = createDestinationGuard({ settings: { ...settings, breaker: { ...settings.breaker, consecutiveFailures: 2 } }, now: clock.now });
    const hook = target('https://r.example/hook', 16);
    // 10 requests a second for 10 s, then an outage.
    for (let i = 0; i < 100; i++) {
      send(guard, hook, { status: 200 }, clock.now());
      clock.advance(100);
    }
    send(guard, hook, { status: 502 }, clock.now());
    send(guard, hook, { status: 502 }, clock.now());
    assert.ok(guard.blockedFor(hook));
    clock.advance(1_000);
    send(guard, hook, { status: 200 }, clock.now()); // the probe closes it
    const { maxInFlight, ratePerSecond } = guard.limits(hook);
    assert.equal(maxInFlight, 1);
    // About twice the 10/s it got before the outage (102 requests over its first 10 s).
    assert.ok(ratePerSecond !== undefined && ratePerSecond > 18 && ratePerSecond <= 21, `cap ${ratePerSecond}`);
    send(guard, hook, { status: 200 }, clock.now() + 1);
    assert.equal(guard.limits(hook).maxInFlight, 2);
    send(guard, hook, { status: 200 }, clock.now() + 1);
    send(guard, hook, { status: 200 }, clock.now() + 1);
    assert.equal(guard.limits(hook).maxInFlight, 4, 'doubling per round trip');
    for (let i = 0; i < 20; i++) send(guard, hook, { status: 200 }, clock.now() + 1);
    assert.equal(guard.limits(hook).maxInFlight, 16, 'up to the limit before the outage');
    // Back to its normal rate for the quiet period: the cap goes.
    for (let i = 0; i < 110; i++) {
      clock.advance(100);
      send(guard, hook, { status: 200 }, clock.now());
    }
    assert.equal(guard.limits(hook).ratePerSecond, undefined);
  });

  it('a 429 with Retry-After pauses that endpoint (not its siblings) and halves its limit', () => {
    const clock = fakeClock();
    const guard = createDestinationGuard({ settings, now: clock.now });
    const admission = guard.admit(target('https://r.example/hook'));
    assert.ok(admission.go);
    admission.done({ status: 429, durationMs: 5, retryAfterMs: 2_000 }, { outcome: 'retry', reason: 'http-429', retryAfterMs: 2_000 }, 0);
    assert.deepEqual(guard.admit(target('https://r.example/hook')), { go: false, reason: 'destination-paused', retryAfterMs: 2_000 });
    assert.equal(guard.admit(target('https://r.example/other')).go, true);
    assert.equal(guard.limits(target('https://r.example/hook')).maxInFlight, 4);
    assert.equal(guard.limits(target('https://r.example/hook', 2)).maxInFlight, 2, "never above the subscription's own maxInFlight");
    clock.advance(2_000);
    assert.equal(guard.admit(target('https://r.example/hook')).go, true);
  });

  it("a 400 says nothing about the receiver's health: it does not open the breaker", () => {
    const guard = createDestinationGuard({ settings, now: () => 0 });
    for (let i = 0; i < 5; i++) send(guard, target('https://r.example/hook'), { status: 400 });
    assert.equal(guard.view(target('https://r.example/hook'))?.breaker, 'closed');
  });

  it("adopts another instance's open breaker, also for an endpoint it has not sent to yet, and its closing", () => {
    const clock = fakeClock();
    const guard = createDestinationGuard({ settings, now: clock.now });
    guard.adopt('https://r.example/hook', { state: 'open', until: 5_000 });
    assert.deepEqual(guard.blockedFor(target('https://r.example/hook')), { reason: 'circuit-open', ms: 6_000 }, 'its cool-down, and one more in case the prober is gone');
    guard.adopt('https://r.example/hook', { state: 'closed' });
    assert.equal(guard.blockedFor(target('https://r.example/hook')), undefined);
    assert.equal(guard.limits(target('https://r.example/hook')).maxInFlight, 1, 'closing starts its slow start here too');
  });

  it('the instance whose cool-down ends first probes: a later opening elsewhere does not delay it, an earlier one does', () => {
    const clock = fakeClock();
    const guard = createDestinationGuard({ settings, now: clock.now });
    const hook = target('https://r.example/hook');
    send(guard, hook, { status: 502 });
    send(guard, hook, { status: 502 }); // open here until 1,000
    guard.adopt(endpointOf(hook), { state: 'open', until: 1_500 });
    assert.deepEqual(guard.blockedFor(hook), { reason: 'circuit-open', ms: 1_000 }, 'it probes first');
    guard.adopt(endpointOf(hook), { state: 'open', until: 800 });
    assert.deepEqual(guard.blockedFor(hook), { reason: 'circuit-open', ms: 1_800 }, 'the other probes first: it waits for its verdict, a cool-down at most');
    const transitions: string[] = [];
    const other = createDestinationGuard({ settings, now: clock.now, onTransition: (d, from, to, how) => transitions.push(`${from}→${to}${how.adopted ? ' adopted' : ''}`) });
    other.limits(hook);
    other.adopt(endpointOf(hook), { state: 'open', until: 800 });
    other.adopt(endpointOf(hook), { state: 'closed' });
    assert.deepEqual(transitions, ['closed→open adopted', 'open→closed adopted'], 'adopted transitions are marked: they are not published again');
  });

  it("disabled, it lets everything through at the subscription's maxInFlight", () => {
    const guard = createDestinationGuard({ settings: { breaker: { ...settings.breaker, enabled: false }, adaptive: { ...settings.adaptive, enabled: false } }, now: () => 0 });
    for (let i = 0; i < 5; i++) send(guard, target('https://r.example/hook'), { errorClass: 'timeout' });
    assert.equal(guard.admit(target('https://r.example/hook')).go, true);
    assert.deepEqual(guard.limits(target('https://r.example/hook')), { maxInFlight: 8 });
  });
});
