import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RULE_FACTS } from './alert-rules.ts';
import { impactOf, likelihoodOf, priorityOf, recurrencesIn, scoreIncident, severityOf } from './scoring.ts';

describe('incident scoring', () => {
  it('severity from data-loss risk, downtime and user impact', () => {
    assert.equal(severityOf({ dataLossRisk: false, downtime: true, userImpact: 'high' }), 'critical');
    assert.equal(severityOf({ dataLossRisk: true, downtime: false, userImpact: 'high' }), 'critical');
    assert.equal(severityOf({ dataLossRisk: true, downtime: false, userImpact: 'low' }), 'major');
    assert.equal(severityOf({ dataLossRisk: false, downtime: false, userImpact: 'high' }), 'major');
    assert.equal(severityOf({ dataLossRisk: false, downtime: false, userImpact: 'low' }), 'minor');
    assert.deepEqual(
      Object.fromEntries(Object.entries(RULE_FACTS).map(([kind, facts]) => [kind, severityOf(facts)])),
      { burnFast: 'critical', burnSlow: 'major', sloBreach: 'major', lag: 'major', queueLength: 'minor', dlqInflow: 'major', groupStatus: 'critical', breakerOpen: 'major', autoDisabled: 'critical' },
    );
  });
  it('likelihood from recurrences in the history window', () => {
    assert.deepEqual([0, 1, 2, 4, 5, 20].map(likelihoodOf), [1, 2, 3, 3, 4, 4]);
    assert.equal(recurrencesIn([1_000, 5_000, 9_000, 10_000], 10_000, 6_000), 2, 'only earlier firings within the window');
  });
  it('impact = 10 × tier weight × √share', () => {
    assert.equal(impactOf(1, 1), 10);
    assert.equal(impactOf(0.5, 0.25), 2.5);
    assert.equal(impactOf(1, 0), 0);
  });
  it('priorities at the documented thresholds', () => {
    assert.deepEqual([25, 24.9, 10, 9.9, 4, 3.9, 0].map((s) => priorityOf(s)), ['P1', 'P2', 'P2', 'P3', 'P3', 'P4', 'P4']);
  });
  // The worked examples of docs/monitoring.md.
  const examples: Array<[string, Parameters<typeof scoreIncident>[0], number, string]> = [
    ['tier-1 outage, fast burn, first time', { severity: 'critical', recurrences: 0, tierWeight: 1, share: 1 }, 40, 'P1'],
    ['one tier-1 integration of ten, fast burn', { severity: 'critical', recurrences: 0, tierWeight: 1, share: 0.1 }, 12.6, 'P2'],
    ['tier-2 outage, fast burn, first time', { severity: 'critical', recurrences: 0, tierWeight: 0.5, share: 1 }, 20, 'P2'],
    ['tier-2 outage, fast burn, second time this week', { severity: 'critical', recurrences: 1, tierWeight: 0.5, share: 1 }, 40, 'P1'],
    ['tier-3 outage, fast burn', { severity: 'critical', recurrences: 0, tierWeight: 0.2, share: 1 }, 8, 'P3'],
    ['tier-1 deliverer lagging', { severity: 'major', recurrences: 0, tierWeight: 1, share: 1 }, 20, 'P2'],
    ['tier-1 dead letters from 4 % of the traffic', { severity: 'major', recurrences: 0, tierWeight: 1, share: 0.04 }, 4, 'P3'],
    ['tier-3 queue building', { severity: 'minor', recurrences: 0, tierWeight: 0.2, share: 1 }, 2, 'P4'],
  ];
  for (const [name, input, score, priority] of examples) {
    it(`worked example: ${name} → ${score} ${priority}`, () => {
      const result = scoreIncident(input);
      assert.equal(result.score, score);
      assert.equal(result.priority, priority);
    });
  }
  it('is deterministic in the share (rounded first)', () => {
    assert.equal(scoreIncident({ severity: 'critical', recurrences: 0, tierWeight: 1, share: 1 / 3 }).score, scoreIncident({ severity: 'critical', recurrences: 0, tierWeight: 1, share: 0.33333 }).score);
  });
});
