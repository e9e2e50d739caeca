import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus } from './status.ts';
import { renderStatusPage } from './status-page.ts';
import { scoreIncident } from './policy/scoring.ts';
import type { GroupReport } from './lag-tracker.ts';

const empty = { p50: null, p95: null, p99: null };
const summary = { attempts: 10, delivered: 5, failed: 5, deadLettered: 1, finished: 6, retriesPerDelivery: 1, retryAttempts: 4, successRate: 0.5, attemptLatency: { p50: 0.01, p95: 0.2, p99: 2 }, endToEnd: empty };
const deliverer: GroupReport = {
  group: 'hr-deliverer-tier1', role: 'deliverer', tier: 1, state: 'Stable', status: 'OK', lag: 99, maxLagSeconds: 4.3, deliveryLagSeconds: 0,
  partitions: [],
};

describe('status document and page', () => {
  const status = buildStatus({
    now: Date.parse('2026-01-01T00:12:00Z'),
    prefix: 'hr',
    window: { nominal: '1h', ms: 18_000 },
    slo: { 1: 0.999, 2: 0.999, 3: 0.99 },
    tier: (tier) => (tier === 1 ? summary : { ...summary, attempts: 0, delivered: 0, failed: 0, successRate: null }),
    failures: () => [{ kind: '500', count: 5 }],
    subscriptions: [
      { id: 'orders', tier: 1, ...summary, inFlight: 3 },
      { id: 'crm', tier: 3, ...summary, inFlight: 0, disabled: { reason: 'every attempt failed <since> 23:00', at: '2026-01-01T00:02:00Z', by: 'monitor' } },
    ],
    destinations: [
      { destination: 'https://shop.example', breaker: 'open', inFlightLimit: 2, lastSeenAt: '2026-01-01T00:11:00Z', openedAt: '2026-01-01T00:10:00Z', tiers: [1], subscriptions: ['orders'] },
    ],
    groups: [deliverer],
    queues: new Map([['hr.tier1', 3]]),
    tierQueue: () => 3,
    offsetsAt: null,
    alerts: [
      {
        fingerprint: 'f1', name: 'HookrailErrorBudgetBurnFast', phase: 'firing', labels: { alertname: 'HookrailErrorBudgetBurnFast', hookrail_tier: '1', severity: 'critical', priority: 'P1' },
        summary: 'Tier 1 burns <fast>', value: 500, threshold: 14.4, activeAt: '2026-01-01T00:00:00.000Z', firingAt: '2026-01-01T00:00:00.000Z',
        score: scoreIncident({ severity: 'critical', recurrences: 0, tierWeight: 1, share: 1 }), subscription: 'orders', runbookUrl: 'https://ops.example/runbooks.html#hookrailerrorbudgetburnfast',
      },
    ],
    queueHistory: [],
    tierHistory: [0.9, 0.5, 0.25].map((rate, i) => ({ at: `2026-01-01T00:0${i}:00Z`, tiers: { 1: { successRate: rate, lag: 10 * i, lagSeconds: i, queue: 5 * i } } })),
  });

  it('health per tier follows the firing alerts', () => {
    assert.equal(status.health, 'critical');
    assert.deepEqual(status.tiers.map((t) => t.health), ['critical', 'ok', 'ok']);
    assert.ok(Math.abs(status.tiers[0]!.burnRate! - 500) < 1e-6);
    assert.equal(status.tiers[0]!.firingAlerts, 1);
  });

  it('a tier card shows the deliverer group\'s lag over all its topics, as the groups table does', () => {
    assert.deepEqual([status.tiers[0]!.lag, status.tiers[0]!.lagSeconds, status.tiers[0]!.firstAttemptLagSeconds], [99, 4.3, 0]);
    assert.equal(status.tiers[0]!.inFlight, 3);
    assert.equal(status.tiers[0]!.retryAttempts, 4);
    const html = renderStatusPage(status);
    assert.match(html, /<dd class="lag">99 offsets · 4\.30 s <small>OK<\/small>/);
    assert.match(html, /<td>hr-deliverer-tier1<\/td><td>Stable<\/td><td class="status OK">OK<\/td><td>99<\/td><td>4\.30 s<\/td>/);
  });

  it('renders tiers, history, subscriptions and alerts with their subscription, runbook and relative time, escaped', () => {
    const html = renderStatusPage(status);
    assert.match(html, /<title>hookrail status: Critical<\/title>/);
    assert.match(html, /data-tier="1" data-health="critical"/);
    assert.match(html, /data-alertname="HookrailErrorBudgetBurnFast" data-priority="P1" data-subscription="orders"/);
    assert.match(html, /<td class="score">40\.0<\/td>/);
    assert.match(html, /Tier 1 burns &lt;fast&gt;/);
    assert.match(html, /<a class="runbook" href="https:\/\/ops\.example\/runbooks\.html#hookrailerrorbudgetburnfast">/);
    assert.match(html, />12 min ago<\/time>/);
    assert.match(html, /<tr data-subscription="orders"><td>orders<\/td><td>1<\/td><td class="success-rate">50\.00 %<\/td><td>10<\/td><td class="p95">200 ms<\/td><td class="in-flight">3<\/td><td class="retries">4<\/td><td class="dlq">1<\/td><\/tr>/);
    assert.match(html, /<tr data-subscription="crm" class="disabled"><td>crm<div class="disabled-note">disabled by monitor <time[^>]*>10 min ago<\/time>: every attempt failed &lt;since&gt; 23:00<\/div><\/td><td>3<\/td>/);
    assert.match(html, /aria-label="tier 1 success rate"[^>]*data-points="3"/);
    assert.match(html, /window 18 s \(1h scaled ×0\.005\)/);
  });

  it('lists the destinations with their circuit breaker, since when it is not closed, and their in-flight limit', () => {
    assert.equal(status.destinations[0]!.breaker, 'open');
    const html = renderStatusPage(status);
    assert.match(html, /<tr data-destination="https:\/\/shop\.example" data-breaker="open"><td>https:\/\/shop\.example<\/td><td class="breaker open">open<\/td><td><time[^>]*>2 min ago<\/time><\/td><td class="limit">2<\/td><td>orders<\/td>/);
  });
});
