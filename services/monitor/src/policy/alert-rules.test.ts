import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tier } from '@hookrail/shared';
import { AlertEngine } from '../alerts/engine.ts';
import { alertsSchema } from '../config.ts';
import { affectedShare, evaluateRules, formatDuration, type Signals, type TrafficCounts } from './alert-rules.ts';

const alerts = alertsSchema.parse({});
const tiers = { 1: { slo: 0.999 }, 2: { slo: 0.999 }, 3: { slo: 0.99 } };

function signals(perTier: Partial<Record<Tier, { counts: (windowMs: number) => TrafficCounts; subs?: Array<TrafficCounts & { id: string }> }>>, extra: Partial<Signals> = {}): Signals {
  const none = { attempts: 0, delivered: 0, deadLettered: 0 };
  return {
    now: 0,
    tier: (tier, windowMs) => perTier[tier]?.counts(windowMs) ?? none,
    subscriptions: (tier) => perTier[tier]?.subs ?? [],
    queueLength: () => 0,
    groups: [],
    ...extra,
  };
}

describe('alert rules from the tier SLOs', () => {
  it('formats nominal windows', () => {
    assert.deepEqual([3_600_000, 300_000, 1_800_000, 30_000, 1_500].map(formatDuration), ['1h', '5m', '30m', '30s', '1500ms']);
  });

  it('a tier failing 50 % of its attempts: SLO breach and both burn rules are above threshold', () => {
    const half = { attempts: 1_000, delivered: 500, deadLettered: 0 };
    const out = evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({ 1: { counts: () => half } }));
    const tier1 = Object.fromEntries(out.filter((e) => e.fingerprintLabels.hookrail_tier === '1').map((e) => [e.name, e]));
    assert.ok(Math.abs(tier1.HookrailErrorBudgetBurnFast!.value! - 500) < 1e-6);
    assert.equal(tier1.HookrailErrorBudgetBurnFast!.threshold, 14.4);
    assert.ok(Math.abs(tier1.HookrailErrorBudgetBurnFast!.resolveThreshold - 12.96) < 1e-9, 'hysteresis at 90 %');
    assert.equal(tier1.HookrailErrorBudgetBurnFast!.severity, 'critical');
    assert.equal(tier1.HookrailErrorBudgetBurnSlow!.threshold, 6);
    assert.ok(Math.abs(tier1.HookrailDeliverySLOBreach!.value! - 500) < 1e-6);
    assert.equal(tier1.HookrailDeliverySLOBreach!.severity, 'major');
    assert.deepEqual(tier1.HookrailErrorBudgetBurnFast!.fingerprintLabels, { alertname: 'HookrailErrorBudgetBurnFast', hookrail_tier: '1', prefix: 'hr' });
    const tier2 = out.filter((e) => e.fingerprintLabels.hookrail_tier === '2' && e.kind === 'burnFast');
    assert.equal(tier2[0]!.value, null, 'no traffic: no judgement');
  });

  it('multi-window: a long window burning but a short one recovered does not fire', () => {
    const counts = (windowMs: number) => (windowMs >= 3_600_000 ? { attempts: 1_000, delivered: 500, deadLettered: 0 } : { attempts: 100, delivered: 100, deadLettered: 0 });
    const fast = evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({ 1: { counts } })).find((e) => e.kind === 'burnFast' && e.fingerprintLabels.hookrail_tier === '1')!;
    assert.equal(fast.value, 0);
  });

  it('windows, for and keepFiringFor scale with timeScale', () => {
    const asked: number[] = [];
    const scaled = alertsSchema.parse({ timeScale: 0.01 });
    const out = evaluateRules({ alerts: scaled, tiers, prefix: 'hr' }, signals({ 1: { counts: (w) => (asked.push(w), { attempts: 0, delivered: 0, deadLettered: 0 }) } }));
    assert.ok(asked.includes(36_000) && asked.includes(3_000), `1 h → 36 s and 5 m → 3 s, asked ${asked}`);
    const fast = out.find((e) => e.kind === 'burnFast')!;
    assert.equal(fast.forMs, 1_200);
    assert.equal(fast.keepFiringForMs, 1_200);
  });

  it('share of traffic: subscriptions burning their own budget, weighted by attempts', () => {
    const subs = [
      { id: 'a', attempts: 30, delivered: 0, deadLettered: 3 },
      { id: 'b', attempts: 70, delivered: 70, deadLettered: 0 },
    ];
    assert.equal(affectedShare(subs, (s) => s.attempts - s.delivered > 0), 0.3);
    const out = evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({ 1: { counts: () => ({ attempts: 100, delivered: 70, deadLettered: 3 }), subs } }));
    assert.equal(out.find((e) => e.kind === 'burnFast' && e.fingerprintLabels.hookrail_tier === '1')!.share(), 0.3);
    const dlq = out.find((e) => e.kind === 'dlqInflow' && e.fingerprintLabels.hookrail_tier === '1')!;
    assert.equal(dlq.value, 3);
    assert.equal(dlq.threshold, 0);
    assert.equal(dlq.share(), 0.3);
    assert.deepEqual(dlq.subscriptions(), ['a'], 'the one subscription with dead letters');
  });

  it('lag and group status per consumer group; the router weighs as tier 1', () => {
    const out = evaluateRules(
      { alerts, tiers, prefix: 'hr' },
      signals({}, { groups: [{ group: 'hr-router', tier: 'all', status: 'STALLED', lagSeconds: 500 }, { group: 'hr-deliverer-tier3', tier: 3, status: 'OK', lagSeconds: 500 }] }),
    );
    const lag = out.filter((e) => e.kind === 'lag');
    assert.deepEqual(lag.map((e) => [e.fingerprintLabels.messaging_consumer_group_name, e.fingerprintLabels.hookrail_tier, e.threshold, e.value! > e.threshold]), [
      ['hr-router', 'all', 120, true],
      ['hr-deliverer-tier3', '3', 1_800, false],
    ]);
    const stalled = out.find((e) => e.kind === 'groupStatus' && e.fingerprintLabels.messaging_consumer_group_name === 'hr-router')!;
    assert.equal(stalled.value! > stalled.threshold, true);
    assert.equal(stalled.impactTier, 1);
    assert.equal(stalled.severity, 'critical');
  });

  it('a disabled rule is not evaluated; severity can be overridden', () => {
    const custom = alertsSchema.parse({ burnSlow: { enabled: false }, dlqInflow: { severity: 'critical' } });
    const out = evaluateRules({ alerts: custom, tiers, prefix: 'hr' }, signals({}));
    assert.equal(out.some((e) => e.kind === 'burnSlow'), false);
    assert.equal(out.find((e) => e.kind === 'dlqInflow')!.severity, 'critical');
  });

  it('an auto-disabled subscription fires one critical alert naming it, its share of the tier and how to enable it', () => {
    const subs = [{ id: 'crm', attempts: 30, delivered: 0, deadLettered: 30 }, { id: 'erp', attempts: 90, delivered: 90, deadLettered: 0 }];
    const disabled = { id: 'crm', tier: 3 as const, reason: 'every attempt failed since 2026-01-01T00:00:00.000Z', at: '2026-01-02T00:00:00.000Z' };
    const out = evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({ 3: { counts: () => ({ attempts: 120, delivered: 90, deadLettered: 30 }), subs } }, { autoDisabled: [disabled] }));
    const fired = out.filter((e) => e.kind === 'autoDisabled');
    assert.equal(fired.length, 1);
    const alert = fired[0]!;
    assert.deepEqual(alert.fingerprintLabels, { alertname: 'HookrailSubscriptionAutoDisabled', hookrail_tier: '3', prefix: 'hr', hookrail_subscription_id: 'crm' });
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.forMs, 0);
    assert.ok(alert.value! > alert.threshold, 'above its threshold: fires');
    assert.equal(alert.share(), 0.25);
    assert.deepEqual(alert.subscriptions(), ['crm']);
    assert.match(alert.description, /"hookrail subscriptions enable crm --replay-since 2026-01-02T00:00:00\.000Z"/);
    const none = evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({}, { autoDisabled: [] }));
    assert.equal(none.filter((e) => e.kind === 'autoDisabled').length, 0, 'enabled again: the rule instance is gone, so the engine resolves it');
    assert.equal(evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({}, { autoDisabled: [disabled] })).find((e) => e.kind === 'autoDisabled')!.share(), 1, 'a tier without traffic: all of it');
  });

  it('the auto-disable alert fires, scored, on the first evaluation and resolves once the subscription is enabled', () => {
    const engine = new AlertEngine({ historyWindowMs: 100_000, tierWeights: { 1: 1, 2: 0.5, 3: 0.2 }, priorities: { P1: 25, P2: 10, P3: 4 }, runbookUrl: (name) => `#${name}` });
    const disabled = { id: 'crm', tier: 3 as const, reason: 'r', at: '2026-01-02T00:00:00.000Z' };
    const [fired] = engine.evaluate(evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({}, { autoDisabled: [disabled] })), 0);
    // critical (4) × first time (1) × impact 10 × 0.2 × √1 = 8: P3.
    assert.deepEqual([fired?.status, fired?.name, fired?.annotations.subscription, fired?.score.score, fired?.score.priority], ['firing', 'HookrailSubscriptionAutoDisabled', 'crm', 8, 'P3']);
    assert.deepEqual(engine.evaluate(evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({}, { autoDisabled: [disabled] })), 1_000), [], 'stays firing, no new record');
    const [resolved] = engine.evaluate(evaluateRules({ alerts, tiers, prefix: 'hr' }, signals({}, { autoDisabled: [] })), 2_000);
    assert.equal(resolved?.status, 'resolved');
  });
});
