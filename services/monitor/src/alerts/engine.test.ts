import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleEvaluation } from '../policy/alert-rules.ts';
import { apiPayload, webhookPayload } from './alertmanager.ts';
import { AlertEngine, fingerprintOf, type AlertRecord } from './engine.ts';

const evaluation = (value: number | null, share = 1, subscriptions: string[] = []): RuleEvaluation => ({
  kind: 'burnFast',
  name: 'HookrailErrorBudgetBurnFast',
  fingerprintLabels: { alertname: 'HookrailErrorBudgetBurnFast', hookrail_tier: '1', prefix: 'hr' },
  severity: 'critical',
  impactTier: 1,
  value,
  threshold: 14.4,
  resolveThreshold: 12.96,
  forMs: 1_000,
  keepFiringForMs: 1_000,
  summary: 'Tier 1 burns its error budget',
  description: 'd',
  share: () => share,
  subscriptions: () => subscriptions,
});
const engine = () => new AlertEngine({ historyWindowMs: 100_000, tierWeights: { 1: 1, 2: 0.5, 3: 0.2 }, priorities: { P1: 25, P2: 10, P3: 4 }, runbookUrl: (name) => `http://monitor.example/runbooks.html#${name.toLowerCase()}` });

describe('alert engine', () => {
  it('names the subscription when it alone causes the alert, and links the runbook', () => {
    const e = engine();
    e.evaluate([evaluation(100, 1, ['orders'])], 0);
    assert.equal(e.active()[0]!.subscription, 'orders', 'already while pending');
    const [firing] = e.evaluate([evaluation(100, 1, ['orders'])], 1_000);
    assert.equal(firing!.annotations.subscription, 'orders');
    assert.equal(firing!.annotations.summary, 'Tier 1 burns its error budget: subscription orders');
    assert.equal(firing!.annotations.runbook_url, 'http://monitor.example/runbooks.html#hookrailerrorbudgetburnfast');
    assert.equal(e.active()[0]!.runbookUrl, 'http://monitor.example/runbooks.html#hookrailerrorbudgetburnfast');
    const two = engine();
    two.evaluate([evaluation(100, 1, ['orders', 'crm'])], 0);
    const [both] = two.evaluate([evaluation(100, 1, ['orders', 'crm'])], 1_000);
    assert.equal(both!.annotations.subscription, undefined, 'two subscriptions: the tier is named, not one of them');
    assert.equal(both!.annotations.summary, 'Tier 1 burns its error budget');
  });


  it('fires after `for` with a score, resolves after keepFiringFor with the same labels', () => {
    const e = engine();
    assert.deepEqual(e.evaluate([evaluation(100)], 0), []);
    assert.equal(e.active()[0]!.phase, 'pending');
    const [firing] = e.evaluate([evaluation(100)], 1_000);
    assert.equal(firing!.status, 'firing');
    assert.equal(firing!.score.score, 40);
    assert.equal(firing!.score.priority, 'P1');
    assert.deepEqual(firing!.labels, { alertname: 'HookrailErrorBudgetBurnFast', hookrail_tier: '1', prefix: 'hr', severity: 'critical', priority: 'P1' });
    assert.equal(firing!.fingerprint, fingerprintOf({ alertname: 'HookrailErrorBudgetBurnFast', hookrail_tier: '1', prefix: 'hr' }));
    assert.equal(firing!.startsAt, new Date(1_000).toISOString());
    assert.deepEqual(e.evaluate([evaluation(13)], 2_000), [], 'hysteresis: 13 is above the resolve level');
    assert.deepEqual(e.evaluate([evaluation(0)], 3_000), []);
    const [resolved] = e.evaluate([evaluation(0)], 4_000);
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.endsAt, new Date(4_000).toISOString());
    assert.deepEqual(resolved!.labels, firing!.labels);
    assert.equal(resolved!.incidentId, firing!.incidentId);
    assert.deepEqual(e.active(), []);
  });

  it('a recurrence within the history window raises the likelihood', () => {
    const e = engine();
    e.evaluate([evaluation(100, 0.25)], 0);
    const [first] = e.evaluate([evaluation(100, 0.25)], 1_000);
    assert.equal(first!.score.likelihood, 1);
    assert.equal(first!.score.score, 20);
    e.evaluate([evaluation(0)], 2_000);
    e.evaluate([evaluation(0)], 3_000);
    e.evaluate([evaluation(100, 0.25)], 4_000);
    const [second] = e.evaluate([evaluation(100, 0.25)], 5_000);
    assert.equal(second!.score.recurrences, 1);
    assert.equal(second!.score.likelihood, 2);
    assert.equal(second!.score.score, 40);
    assert.equal(second!.score.priority, 'P1');
  });

  it('restores history and a still-firing alert from earlier records', () => {
    const e = engine();
    e.evaluate([evaluation(100)], 0);
    const records: AlertRecord[] = e.evaluate([evaluation(100)], 1_000);
    const restarted = engine();
    restarted.restore(records);
    assert.equal(restarted.active()[0]!.phase, 'firing');
    const [resolved] = [...restarted.evaluate([evaluation(0)], 2_000), ...restarted.evaluate([evaluation(0)], 3_000)];
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.incidentId, records[0]!.incidentId);
  });

  it('an alert whose rule instance disappeared resolves', () => {
    const e = engine();
    e.evaluate([evaluation(100)], 0);
    e.evaluate([evaluation(100)], 1_000);
    assert.equal(e.evaluate([], 2_000)[0]!.status, 'resolved');
  });

  it('Alertmanager webhook (version 4) and API payloads', () => {
    const e = engine();
    e.evaluate([evaluation(100)], 0);
    const records = e.evaluate([evaluation(100)], 1_000);
    const payload = webhookPayload(records, { externalURL: 'http://monitor:8080' });
    assert.equal(payload.version, '4');
    assert.equal(payload.status, 'firing');
    assert.equal(payload.receiver, 'hookrail-monitor');
    assert.deepEqual(payload.groupLabels, { alertname: 'HookrailErrorBudgetBurnFast' });
    assert.equal(payload.groupKey, '{}:{alertname="HookrailErrorBudgetBurnFast"}');
    assert.equal(payload.commonLabels.priority, 'P1');
    assert.equal(payload.alerts[0]!.endsAt, '0001-01-01T00:00:00Z');
    assert.equal(payload.alerts[0]!.generatorURL, 'http://monitor:8080/status.html');
    assert.equal(payload.alerts[0]!.annotations.score, '40');
    const api = apiPayload(records, 'http://monitor:8080');
    assert.deepEqual(Object.keys(api[0]!).sort(), ['annotations', 'endsAt', 'generatorURL', 'labels', 'startsAt']);
  });
});
