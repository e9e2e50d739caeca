import type { Quantiles } from './policy/quantile.ts';
import type { Health, StatusReport } from './status.ts';

const escape = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const percent = (value: number | null, digits = 2) => (value === null ? '—' : `${(value * 100).toFixed(digits)} %`);
const seconds = (value: number | null | undefined) =>
  value === null || value === undefined ? '—' : value < 1 ? `${(value * 1_000).toFixed(0)} ms` : `${value.toFixed(value < 10 ? 2 : 0)} s`;
const latency = (q: Quantiles) => `${seconds(q.p50)} / ${seconds(q.p95)} / ${seconds(q.p99)}`;
const HEALTH_LABEL: Record<Health, string> = { ok: 'OK', warning: 'Degraded', critical: 'Critical' };

/**
 * The human status page: one card per tier (health, success rate, lag, latency, DLQ, queue),
 * the firing alerts with their scores, the consumer groups. Server-rendered HTML that
 * refreshes itself; no script is needed to read it.
 */
export function renderStatusPage(status: StatusReport, refreshSeconds = 10): string {
  const firing = status.alerts.filter((a) => a.phase === 'firing');
  const pending = status.alerts.filter((a) => a.phase === 'pending');
  const tierCards = status.tiers
    .map(
      (t) => `
    <section class="tier ${t.health}" data-tier="${t.tier}" data-health="${t.health}">
      <h2>Tier ${t.tier} <span class="badge ${t.health}">${HEALTH_LABEL[t.health]}</span></h2>
      <dl>
        <dt>Success rate</dt><dd class="success-rate">${percent(t.successRate)} <small>SLO ${percent(t.slo, 3)}</small></dd>
        <dt>Attempts</dt><dd>${t.attempts} (${t.failed} failed)</dd>
        <dt>Burn rate</dt><dd>${t.burnRate === null ? '—' : `${t.burnRate.toFixed(2)}×`}</dd>
        <dt>Lag</dt><dd class="lag">${seconds(t.lagSeconds)} <small>${escape(t.groupStatus ?? 'no consumer')}</small></dd>
        <dt>Queue</dt><dd>${t.queueLength ?? '—'}</dd>
        <dt>Latency p50/p95/p99</dt><dd>${latency(t.attemptLatency)}</dd>
        <dt>End to end p50/p95/p99</dt><dd>${latency(t.endToEnd)}</dd>
        <dt>Dead letters</dt><dd class="dlq">${t.deadLettered}</dd>
        <dt>Retries / delivery</dt><dd>${t.retriesPerDelivery === null ? '—' : t.retriesPerDelivery.toFixed(2)}</dd>
        <dt>Top failures</dt><dd>${t.failures.slice(0, 3).map((f) => `${escape(f.kind)} ×${f.count}`).join(', ') || '—'}</dd>
      </dl>
    </section>`,
    )
    .join('');
  const alertRows = [...firing, ...pending]
    .map(
      (a) => `
      <tr class="alert ${a.phase}" data-alertname="${escape(a.name)}" data-priority="${escape(a.score?.priority ?? '')}">
        <td class="priority">${escape(a.score?.priority ?? '—')}</td>
        <td class="score">${a.score ? a.score.score.toFixed(1) : '—'}</td>
        <td>${escape(a.name)}</td>
        <td>${escape(a.labels.tier ?? '')}</td>
        <td>${escape(a.score?.severity ?? a.labels.severity ?? '')}</td>
        <td>${escape(a.phase)}</td>
        <td>${escape(a.summary)}</td>
        <td>${escape(a.firingAt ?? a.activeAt)}</td>
      </tr>`,
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
  section.block { margin-top: 1.5rem; }
</style>
</head>
<body>
<h1>hookrail <span class="badge ${status.health}" id="overall">${HEALTH_LABEL[status.health]}</span></h1>
<div class="meta">prefix <code>${escape(status.prefix)}</code> · window ${escape(status.window.nominal)} · generated ${escape(status.generatedAt)} · offsets read ${escape(status.offsetsAt ?? 'not yet')} · <a href="/status">JSON</a> · <a href="/metrics">metrics</a></div>
<div class="tiers">${tierCards}
</div>
<section class="block" id="alerts">
  <h2>Alerts (${firing.length} firing, ${pending.length} pending)</h2>
  ${alertRows ? `<table><thead><tr><th>Priority</th><th>Score</th><th>Alert</th><th>Tier</th><th>Severity</th><th>State</th><th>Summary</th><th>Since</th></tr></thead><tbody>${alertRows}
  </tbody></table>` : '<p class="none">No alerts.</p>'}
</section>
<section class="block" id="groups">
  <h2>Consumer groups</h2>
  ${groupRows ? `<table><thead><tr><th>Group</th><th>State</th><th>Status</th><th>Lag (offsets)</th><th>Lag (time)</th></tr></thead><tbody>${groupRows}
  </tbody></table>` : '<p class="none">No hookrail consumer group has committed offsets yet.</p>'}
</section>
</body>
</html>
`;
}
