import { GROUP_LABEL, TIER_LABEL } from './policy/alert-rules.ts';
import type { Quantiles } from './policy/quantile.ts';
import { relativeTime } from './policy/relative-time.ts';
import { sparkline } from './policy/sparkline.ts';
import type { Health, StatusReport } from './status.ts';

const escape = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const percent = (value: number | null, digits = 2) => (value === null ? '—' : `${(value * 100).toFixed(digits)} %`);
const seconds = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : value < 1 ? `${(value * 1_000).toFixed(0)} ms` : `${value.toFixed(value < 10 ? 2 : 0)} s`;
const latency = (q: Quantiles) => `${seconds(q.p50)} / ${seconds(q.p95)} / ${seconds(q.p99)}`;
const HEALTH_LABEL: Record<Health, string> = { ok: 'OK', warning: 'Degraded', critical: 'Critical' };

const count = (value: number | null | undefined) => (value === null || value === undefined ? '—' : String(value));
const since = (iso: string | undefined, now: number) => (iso ? `<time datetime="${escape(iso)}" title="${escape(iso)}">${escape(relativeTime(iso, now))}</time>` : '—');

/** "5m" as configured, and what it is when alerts.timeScale shrinks it ("18 s (1h × 0.005)"). */
function windowLabel(window: StatusReport['window']): string {
  const nominalMs = parseNominal(window.nominal);
  if (nominalMs === undefined || nominalMs === window.ms) return window.nominal;
  return `${seconds(window.ms / 1_000)} (${window.nominal} scaled ×${+(window.ms / nominalMs).toPrecision(3)})`;
}
const parseNominal = (text: string) => {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  return m ? Number(m[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'] : undefined;
};

/**
 * The human status page: one card per tier (health, success rate, lag, latency, DLQ, queue,
 * history charts), the alerts with their scores, subscription and runbook, every
 * subscription, the service consumer groups. Server-rendered HTML that refreshes itself; no
 * script is needed to read it.
 */
export function renderStatusPage(status: StatusReport, refreshSeconds = 10): string {
  const now = Date.parse(status.generatedAt);
  const firing = status.alerts.filter((a) => a.phase === 'firing');
  const pending = status.alerts.filter((a) => a.phase === 'pending');
  const history = status.history.tiers ?? [];
  const series = (tier: number, key: 'successRate' | 'lagSeconds' | 'queue') => history.map((h) => h.tiers[String(tier)]?.[key] ?? null);
  const tierCards = status.tiers
    .map(
      (t) => `
    <section class="tier ${t.health}" data-tier="${t.tier}" data-health="${t.health}">
      <h2>Tier ${t.tier} <span class="badge ${t.health}">${HEALTH_LABEL[t.health]}</span></h2>
      <dl>
        <dt>Success rate</dt><dd class="success-rate">${percent(t.successRate)} <small>SLO ${percent(t.slo, 3)}</small></dd>
        <dt>Attempts</dt><dd>${t.attempts} (${t.failed} failed)</dd>
        <dt>Burn rate</dt><dd>${t.burnRate === null ? '—' : `${t.burnRate.toFixed(2)}×`}</dd>
        <dt>Lag</dt><dd class="lag">${t.lag === null ? '—' : `${t.lag} offsets · ${seconds(t.lagSeconds)}`} <small>${escape(t.groupStatus ?? 'no consumer')}</small></dd>
        <dt>First attempts late by</dt><dd>${seconds(t.firstAttemptLagSeconds)}</dd>
        <dt>Queue</dt><dd>${count(t.queueLength)}</dd>
        <dt>In flight</dt><dd class="in-flight">${t.inFlight} <small>on the retry ladder</small></dd>
        <dt>Retries</dt><dd class="retries">${t.retryAttempts} <small>${t.retriesPerDelivery === null ? '' : `${t.retriesPerDelivery.toFixed(2)} per finished delivery`}</small></dd>
        <dt>Latency p50/p95/p99</dt><dd>${latency(t.attemptLatency)}</dd>
        <dt>End to end p50/p95/p99</dt><dd>${latency(t.endToEnd)}</dd>
        <dt>Dead letters</dt><dd class="dlq">${t.deadLettered}</dd>
        <dt>Top failures</dt><dd>${t.failures.slice(0, 3).map((f) => `${escape(f.kind)} ×${f.count}`).join(', ') || '—'}</dd>
      </dl>
      <div class="history" data-samples="${history.length}">
        <div><span>success rate</span>${sparkline(series(t.tier, 'successRate'), { min: 0, max: 1, label: `tier ${t.tier} success rate` })}</div>
        <div><span>lag (s)</span>${sparkline(series(t.tier, 'lagSeconds'), { label: `tier ${t.tier} lag` })}</div>
        <div><span>queue</span>${sparkline(series(t.tier, 'queue'), { label: `tier ${t.tier} queue` })}</div>
      </div>
    </section>`,
    )
    .join('');
  const alertRows = [...firing, ...pending]
    .map(
      (a) => `
      <tr class="alert ${a.phase}" data-alertname="${escape(a.name)}" data-priority="${escape(a.score?.priority ?? '')}"${a.subscription ? ` data-subscription="${escape(a.subscription)}"` : ''}>
        <td class="priority">${escape(a.score?.priority ?? '—')}</td>
        <td class="score">${a.score ? a.score.score.toFixed(1) : '—'}</td>
        <td>${escape(a.name)}</td>
        <td>${escape(a.labels[TIER_LABEL] ?? '')}</td>
        <td class="subscription">${escape(a.subscription ?? a.labels[GROUP_LABEL] ?? '')}</td>
        <td>${escape(a.score?.severity ?? a.labels.severity ?? '')}</td>
        <td>${escape(a.phase)}</td>
        <td>${escape(a.summary)}</td>
        <td>${since(a.firingAt ?? a.activeAt, now)}</td>
        <td><a class="runbook" href="${escape(a.runbookUrl)}">runbook</a></td>
      </tr>`,
    )
    .join('');
  const subscriptionRows = status.subscriptions
    .map(
      (s) => `
      <tr data-subscription="${escape(s.id)}"${s.disabled ? ' class="disabled"' : ''}><td>${escape(s.id)}${s.disabled ? `<div class="disabled-note">disabled by ${escape(s.disabled.by)} ${since(s.disabled.at, now)}: ${escape(s.disabled.reason)}</div>` : ''}</td><td>${s.tier}</td><td class="success-rate">${percent(s.successRate)}</td><td>${s.attempts}</td><td class="p95">${seconds(s.attemptLatency.p95)}</td><td class="in-flight">${s.inFlight}</td><td class="retries">${s.retryAttempts}</td><td class="dlq">${s.deadLettered}</td></tr>`,
    )
    .join('');
  const destinationRows = (status.destinations ?? [])
    .map(
      (d) => `
      <tr data-destination="${escape(d.destination)}" data-breaker="${d.breaker}"><td>${escape(d.destination)}</td><td class="breaker ${d.breaker}">${escape(d.breaker)}</td><td>${since(d.openedAt ?? undefined, now)}</td><td class="limit">${d.inFlightLimit}</td><td>${escape(d.subscriptions.join(', '))}</td><td>${since(d.lastSeenAt, now)}</td></tr>`,
    )
    .join('');
  const groupRows = status.groups
    .map(
      (g) => `
      <tr><td>${escape(g.group)}</td><td>${escape(g.state)}</td><td class="status ${g.status}">${g.status}</td><td>${g.lag}</td><td>${seconds(g.maxLagSeconds)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refreshSeconds}">
<title>hookrail status: ${escape(HEALTH_LABEL[status.health])}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2230; background: #f6f7f9; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .meta { color: #5b6275; margin-bottom: 1rem; }
  .tiers { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem; }
  .tier { background: #fff; border-radius: 8px; padding: .75rem 1rem; border-left: 6px solid #2e9e5b; }
  .tier.warning { border-left-color: #d99a00; } .tier.critical { border-left-color: #c62828; }
  .tier h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .15rem .75rem; margin: 0; }
  dt { color: #5b6275; } dd { margin: 0; }
  .badge { font-size: .8rem; padding: .1rem .45rem; border-radius: 4px; color: #fff; background: #2e9e5b; }
  .badge.warning { background: #d99a00; } .badge.critical { background: #c62828; }
  table { border-collapse: collapse; width: 100%; background: #fff; margin-top: .5rem; }
  th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e3e6ec; }
  tr.alert.firing td.priority { font-weight: 700; color: #c62828; }
  .status.STALLED, .status.STOPPED { color: #c62828; font-weight: 700; } .status.WARNING { color: #d99a00; }
  .breaker.open { color: #c62828; font-weight: 700; } .breaker.half-open { color: #d99a00; }
  tr.disabled td { color: #6b7280; } .disabled-note { color: #c62828; font-size: 12px; }
  section.block { margin-top: 1.5rem; }
  .history { display: grid; grid-template-columns: 1fr; gap: .2rem; margin-top: .6rem; }
  .history div { display: flex; justify-content: space-between; align-items: center; color: #5b6275; font-size: .8rem; }
  .sparkline polyline { fill: none; stroke: #3a6ea5; stroke-width: 1.5; }
  .sparkline { background: #f0f2f5; border-radius: 3px; }
</style>
</head>
<body>
<h1>hookrail <span class="badge ${status.health}" id="overall">${HEALTH_LABEL[status.health]}</span></h1>
<div class="meta">prefix <code>${escape(status.prefix)}</code> · window ${escape(windowLabel(status.window))} · generated <time datetime="${escape(status.generatedAt)}">${escape(status.generatedAt)}</time> · offsets read ${status.offsetsAt ? since(status.offsetsAt, now) : 'not yet'} · history ${history.length} readings · <a href="/status">JSON</a> · <a href="/metrics">metrics</a> · <a href="/runbooks.html">runbooks</a></div>
<div class="tiers">${tierCards}
</div>
<section class="block" id="alerts">
  <h2>Alerts (${firing.length} firing, ${pending.length} pending)</h2>
  ${alertRows ? `<table><thead><tr><th>Priority</th><th>Score</th><th>Alert</th><th>Tier</th><th>Subscription / group</th><th>Severity</th><th>State</th><th>Summary</th><th>Since</th><th></th></tr></thead><tbody>${alertRows}
  </tbody></table>` : '<p class="none">No alerts.</p>'}
</section>
<section class="block" id="subscriptions">
  <h2>Subscriptions</h2>
  ${subscriptionRows ? `<table><thead><tr><th>Subscription</th><th>Tier</th><th>Success rate</th><th>Attempts</th><th>p95 latency</th><th>In flight</th><th>Retries</th><th>DLQ</th></tr></thead><tbody>${subscriptionRows}
  </tbody></table>` : '<p class="none">No subscription yet.</p>'}
</section>
<section class="block" id="destinations">
  <h2>Destinations</h2>
  ${destinationRows ? `<table><thead><tr><th>Destination</th><th>Circuit breaker</th><th>Not closed since</th><th>In-flight limit</th><th>Subscriptions</th><th>Last attempt</th></tr></thead><tbody>${destinationRows}
  </tbody></table>` : '<p class="none">No destination reported recently.</p>'}
</section>
<section class="block" id="groups">
  <h2>Consumer groups</h2>
  ${groupRows ? `<table><thead><tr><th>Group</th><th>State</th><th>Status</th><th>Lag (offsets)</th><th>Lag (time)</th></tr></thead><tbody>${groupRows}
  </tbody></table>` : '<p class="none">No hookrail service consumes yet.</p>'}
</section>
</body>
</html>
`;
}
