import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertEngine } from '../alerts/engine.ts';
import { alertsSchema } from '../config.ts';
import { evaluateRules, type Signals } from './alert-rules.ts';
import type { DestinationSignal } from './breaker-rule.ts';

const alerts = alertsSchema.parse({});
const tiers = { 1: { slo: 0.999 }, 2: { slo: 0.999 }, 3: { slo: 0.99 } };
const traffic = (id: string, attempts: number) => ({ id, attempts, delivered: attempts, deadLettered: 0 });

function signals(now: number, open: DestinationSignal[]): Signals {
  return {
    now,
    tier: () => ({ attempts: 0, delivered: 0, deadLettered: 0 }),
    // Tier 1: "orders" is a quarter of the traffic.
    subscriptions: (tier) => (tier === 1 ? [traffic('orders', 25), traffic('users', 75)] : []),
    queueLength: () => 0,
    groups: [],
    destinations: (tier) => (tier === 1 ? open : []),
  };
}

describe('circuit breaker alert', () => {
  const open: DestinationSignal[] = [{ destination: 'https://shop.example', breaker: 'open', subscriptions: ['orders'] }];
  const breakerRules = (now: number, destinations: DestinationSignal[]) =>
    evaluateRules({ alerts, tiers, prefix: 'hr' }, signals(now, destinations)).filter((e) => e.kind === 'breakerOpen');

  it('one instance per tier and destination not closed, labelled with the destination', () => {
    const [rule, ...rest] = breakerRules(0, open);
    assert.equal(rest.length, 0);
    assert.deepEqual(rule!.fingerprintLabels, { alertname: 'HookrailCircuitBreakerOpen', hookrail_tier: '1', prefix: 'hr', hookrail_destination: 'https://shop.example' });
    assert.equal(rule!.value, 2);
    assert.equal(rule!.severity, 'major', 'late, not lost: user impact without data loss or downtime');
    assert.deepEqual(rule!.subscriptions(), ['orders']);
    assert.equal(rule!.share(), 0.25);
  });

  it('fires after the breaker stayed open for the rule\'s for (1 min), scored by the share of the tier it holds back; resolves once closed', () => {
    const engine = new AlertEngine({ historyWindowMs: 7 * 86_400_000, tierWeights: { 1: 1, 2: 0.5, 3: 0.2 }, priorities: { P1: 25, P2: 10, P3: 4 }, runbookUrl: (n) => `/runbooks.html#${n.toLowerCase()}` });
    assert.deepEqual(engine.evaluate(breakerRules(0, open), 0), [], 'pending first');
    const [fired] = engine.evaluate(breakerRules(60_000, open), 60_000);
    assert.equal(fired!.status, 'firing');
    assert.equal(fired!.annotations.subscription, 'orders');
    // major (2) × first time (1) × impact 10 × 1 × √0.25 = 5 → 10, P2.
    assert.equal(fired!.score.score, 10);
    assert.equal(fired!.score.priority, 'P2');
    assert.match(fired!.annotations.summary!, /Circuit breaker open for https:\/\/shop\.example/);
    // Closed: the destination is no longer listed; the instance goes away and resolves.
    const [resolved] = engine.evaluate(breakerRules(120_000, []), 120_000);
    assert.equal(resolved!.status, 'resolved');
  });

  it('can be turned off', () => {
    const off = alertsSchema.parse({ breakerOpen: { enabled: false } });
    assert.equal(evaluateRules({ alerts: off, tiers, prefix: 'hr' }, signals(0, open)).filter((e) => e.kind === 'breakerOpen').length, 0);
  });
});
