import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus } from './status.ts';
import { renderStatusPage } from './status-page.ts';
import { scoreIncident } from './policy/scoring.ts';

const empty = { p50: null, p95: null, p99: null };
const summary = { attempts: 10, delivered: 5, failed: 5, deadLettered: 1, finished: 6, retriesPerDelivery: 1, successRate: 0.5, attemptLatency: { p50: 0.01, p95: 0.2, p99: 2 }, endToEnd: empty };

describe('status document and page', () => {
  const status = buildStatus({
    now: Date.parse('2026-01-01T00:00:00Z'),
    prefix: 'hr',
    window: { nominal: '5m', ms: 300_000 },
    slo: { 1: 0.999, 2: 0.999, 3: 0.99 },
    tier: (tier) => (tier === 1 ? summary : { ...summary, attempts: 0, delivered: 0, failed: 0, successRate: null }),
    failures: () => [{ kind: '500', count: 5 }],
    subscriptions: [],
    groups: [],
    queues: new Map([['hr.tier1', 3]]),
    tierQueue: () => 3,
    offsetsAt: null,
    alerts: [
      {
        fingerprint: 'f1', name: 'HookrailErrorBudgetBurnFast', phase: 'firing', labels: { alertname: 'HookrailErrorBudgetBurnFast', tier: '1', severity: 'critical', priority: 'P1' },
        summary: 'Tier 1 burns <fast>', value: 500, threshold: 14.4, activeAt: '2026-01-01T00:00:00.000Z', firingAt: '2026-01-01T00:00:00.000Z',
        score: scoreIncident({ severity: 'critical', recurrences: 0, tierWeight: 1, share: 1 }),
      },
    ],
    queueHistory: [],
  });

  it('health per tier follows the firing alerts', () => {
    assert.equal(status.health, 'critical');
    assert.deepEqual(status.tiers.map((t) => t.health), ['critical', 'ok', 'ok']);
    assert.ok(Math.abs(status.tiers[0]!.burnRate! - 500) < 1e-6);
    assert.equal(status.tiers[0]!.firingAlerts, 1);
  });

  it('renders tiers and firing alerts, escaped', () => {
    const html = renderStatusPage(status);
    assert.match(html, /<title>hookrail status: Critical<\/title>/);
    assert.match(html, /data-tier="1" data-health="critical"/);
    assert.match(html, /data-alertname="HookrailErrorBudgetBurnFast" data-priority="P1"/);
    assert.match(html, /<td class="score">40\.0<\/td>/);
    assert.match(html, /Tier 1 burns &lt;fast&gt;/);
    assert.match(html, /50\.00 %/);
  });
});
