// What the SRE sees, end to end: a real Prometheus (Debian's package) scrapes a live monitor
// while deliveries and failures flow, evaluates deploy/prometheus/rules.yml and sends to a real
// Alertmanager with deploy/alertmanager/alertmanager.yml. Every counter is at 0 before the
// first event, so the first dead letter fires the DLQ rule; every panel of the Grafana
// dashboard returns data without a query error; the status page in headless Chromium shows
// the per-subscription table and the history (screenshot: docs/status-page.png with
// HOOKRAIL_UPDATE_SCREENSHOT=1, else a temporary file).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { H } from '@hookrail/shared';
import { repoRoot, testKafka, uniquePrefix } from './support/kafka.ts';
import { fetchJson, withChromiumPage } from './support/monitor.ts';
import { freePort, query, startAlertmanager, startPrometheus, type ToolProcess } from './support/prometheus.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveries, readAll, testSubscription, type TestInstall } from './support/topics.ts';

const EXTERNAL_URL = 'http://status.hookrail.test:8083';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string; legendFormat?: string }>;
}

/** A panel's PromQL with Grafana's variables as a dashboard showing "All" over a short range. */
const substitute = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$tier', '.*').replaceAll('$subscription', '.*');

describe('monitor: Prometheus, Alertmanager, the Grafana dashboard and the status page', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let healthy: Receiver;
  let flaky: Receiver;
  let partner: Receiver;
  let deliverer: RunningProcess;
  let monitor: RunningProcess;
  let prometheus: ToolProcess;
  let alertmanager: ToolProcess;
  let port: number;
  /** The deliverer's ops port, known before it starts: Prometheus scrapes it as job hookrail-deliverer. */
  let delivererPort: number;
  let rejectNext = false;
  let flakyCount = 0;
  let trafficOn = false;
  let traffic: Promise<void> | undefined;
  const subscriptions = () => [
    testSubscription({ id: 'orders', url: healthy.url, tier: 1 }),
    testSubscription({ id: 'partner', url: partner.url, tier: 1 }),
    testSubscription({ id: 'crm', url: flaky.url, tier: 2 }),
    testSubscription({ id: 'news', url: healthy.url, tier: 3 }),
  ];

  before(async () => {
    kafka = testKafka();
    install = await createTestInstall(kafka, uniquePrefix('monprom'), { tiers: { 2: { retries: 2 } } });
    healthy = await startReceiver(() => ({ status: 200 }));
    // Every third request fails: retries, failures by status code, a success rate under 1.
    flaky = await startReceiver(() => ({ status: ++flakyCount % 3 === 0 ? 503 : 200 }));
    // Answers 400 (permanent: straight to the DLQ) to one request when told to.
    partner = await startReceiver(() => {
      if (!rejectNext) return { status: 200 };
      rejectNext = false;
      return { status: 400, body: 'unknown customer' };
    });
    await applySubscriptions(kafka, install, subscriptions());
    alertmanager = await startAlertmanager(join(repoRoot, 'deploy/alertmanager/alertmanager.yml'));
    monitor = startService('monitor', {
      ...install.env,
      HOOKRAIL_MONITOR_POLL_INTERVAL: '500ms',
      HOOKRAIL_MONITOR_EVALUATION_INTERVAL: '250ms',
      // Long enough that the one dead letter is still in the window on a slow machine.
      HOOKRAIL_MONITOR_STATUS_WINDOW: '10m',
      HOOKRAIL_MONITOR_EXTERNAL_URL: EXTERNAL_URL,
    });
    port = await monitor.ready();
    delivererPort = await freePort();
    prometheus = await startPrometheus({
      targets: [`127.0.0.1:${port}`],
      jobs: { 'hookrail-deliverer': [`127.0.0.1:${delivererPort}`] },
      ruleFiles: [join(repoRoot, 'deploy/prometheus/rules.yml')],
      alertmanager: alertmanager.url.replace('http://', ''),
    });
  });

  after(async () => {
    trafficOn = false;
    await traffic;
    const codes = [await monitor?.stop(), await deliverer?.stop()];
    await prometheus?.stop();
    await alertmanager?.stop();
    await Promise.all([healthy?.close(), flaky?.close(), partner?.close()]);
    assert.deepEqual(codes.filter((c) => c !== undefined), deliverer ? [0, 0] : [0], 'services exit 0 on SIGTERM');
  });

  it('before any delivery, Prometheus already scrapes 0 for every known subscription and outcome', async () => {
    const series = await eventually(async () => {
      const { samples } = await query(prometheus.url, 'hookrail_delivery_attempts_total');
      return samples.length === 12 ? samples : undefined;
    }, 60_000, '4 subscriptions × 3 outcomes scraped');
    assert.ok(series.every((s) => s.value[1] === '0'), 'all at 0');
    const dlq = await query(prometheus.url, 'hookrail_dlq_inflow_total{hookrail_subscription_id="partner"}');
    assert.deepEqual(dlq.samples.map((s) => [s.metric.hookrail_tier, s.value[1]]), [['1', '0']]);
  });

  it('the first dead letter fires HookrailDeadLetterInflow naming the subscription, in Prometheus and at Alertmanager', async () => {
    deliverer = startService('deliverer', { ...install.env, HOOKRAIL_INSTANCE_ID: 'd1', HOOKRAIL_OPS_PORT: String(delivererPort) });
    await deliverer.ready();
    trafficOn = true;
    traffic = (async () => {
      while (trafficOn) {
        for (const subscription of subscriptions()) await produceDeliveries(kafka, install, subscription, subscription.id === 'crm' ? 6 : 3);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    await eventually(async () => ((await query(prometheus.url, 'sum(hookrail_delivery_attempts_total{hookrail_subscription_id="partner"})')).samples[0]?.value[1] !== '0' ? true : undefined), 60_000, 'partner deliveries scraped');
    rejectNext = true;
    const alert = await eventually(async () => {
      const { samples } = await query(prometheus.url, 'ALERTS{alertname="HookrailDeadLetterInflow", alertstate="firing"}');
      return samples.find((s) => s.metric.hookrail_subscription_id === 'partner');
    }, 60_000, 'the DLQ alert firing in Prometheus');
    const deadLetters = (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === 'partner');
    console.log(`# dead letters of partner when the alert fired: ${deadLetters.length}; alert labels ${JSON.stringify(alert.metric)}`);
    assert.equal(deadLetters.length, 1, 'one dead letter was enough');
    assert.deepEqual({ tier: alert.metric.hookrail_tier, severity: alert.metric.severity, priority: alert.metric.priority }, { tier: '1', severity: 'major', priority: 'P2' });
    const received = await eventually(async () => {
      const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as Array<{ labels: Record<string, string>; annotations: Record<string, string>; status: { state: string } }>;
      return alerts.find((a) => a.labels.alertname === 'HookrailDeadLetterInflow' && a.labels.hookrail_subscription_id === 'partner');
    }, 60_000, 'the alert at Alertmanager');
    assert.equal(received.annotations.summary, 'Tier 1 deliveries are going to the dead-letter topic: subscription partner');
    assert.match(received.annotations.runbook_url!, /\/runbooks\.html#hookraildeadletterinflow$/);
    assert.equal(received.status.state, 'active');
  });

  it('every panel of the Grafana dashboard returns data, without a query error', async () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy/grafana/dashboards/hookrail.json'), 'utf8')) as { panels: Panel[]; templating: { list: Array<{ name: string; query: { query: string } }> } };
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    assert.ok(panels.length >= 14, `${panels.length} panels`);
    const results = await eventually(async () => {
      const out: Array<{ title: string; values: string[] }> = [];
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          const { samples, warnings } = await query(prometheus.url, substitute(target.expr)); // throws on a query error
          assert.deepEqual(warnings, [], `${panel.title}: no warnings`);
          if (samples.length === 0) return undefined; // not yet: burn-rate rules run every 30 s
          const legend = (metric: Record<string, string>) =>
            (target.legendFormat || Object.entries(metric).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}=${v}`).join(',')).replace(/\{\{(\w+)\}\}/g, (_m, k: string) => metric[k] ?? '');
          const round = (v: string) => (Number.isFinite(Number(v)) ? String(+Number(v).toPrecision(4)) : v);
          out.push({ title: panel.title, values: samples.map((s) => `${legend(s.metric)} = ${round(s.value[1])}`).sort() });
        }
      }
      return out;
    }, 150_000, 'every panel to return data', 2_000);
    console.log(`# dashboard panels (${results.length} queries, every series):\n${results.map((r) => `#   ${r.title}: ${r.values.join('; ')}`).join('\n')}`);
    for (const variable of dashboard.templating.list) {
      const match = /^label_values\((.+), (\w+)\)$/.exec(variable.query.query)!;
      const values = await query(prometheus.url, `count by (${match[2]}) (${substitute(match[1]!)})`);
      assert.ok(values.samples.length > 0, `variable ${variable.name} has values`);
      console.log(`#   variable $${variable.name}: ${values.samples.map((s) => s.metric[match[2]!]).sort().join(', ')}`);
    }
  });

  it('the status page shows the per-subscription table, the history and the alert with its subscription and runbook (headless Chromium)', async () => {
    const status = await eventually(async () => {
      const s = await fetchJson(port, '/status');
      const dlq = s.alerts.find((a: { name: string; phase: string; labels: Record<string, string> }) => a.name === 'HookrailDeadLetterInflow' && a.phase === 'firing' && a.labels.hookrail_tier === '1');
      const rated = s.history.tiers.filter((h: { tiers: Record<string, { successRate: number | null }> }) => h.tiers['1']!.successRate !== null).length;
      return rated >= 10 && dlq ? s : undefined;
    }, 60_000, 'history and the monitor\'s own DLQ alert');
    // Tier 1's: partner alone has dead letters there (crm, tier 2, may exhaust its retries too).
    const alert = status.alerts.find((a: { name: string; labels: Record<string, string> }) => a.name === 'HookrailDeadLetterInflow' && a.labels.hookrail_tier === '1');
    assert.equal(alert.subscription, 'partner');
    assert.equal(alert.runbookUrl, `${EXTERNAL_URL}/runbooks.html#hookraildeadletterinflow`);
    await withChromiumPage(`http://127.0.0.1:${port}/status.html`, async (page) => {
      const rows = page.locator('#subscriptions tr[data-subscription]');
      await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-subscription'))), ['orders', 'partner', 'crm', 'news']);
      const crm = page.locator('#subscriptions tr[data-subscription="crm"]');
      assert.notEqual(await crm.locator('td.success-rate').innerText(), '100.00 %', 'crm fails every third attempt');
      assert.equal(await page.locator('#subscriptions tr[data-subscription="partner"] td.dlq').innerText(), '1');
      const points = Number(await page.locator('section.tier[data-tier="1"] svg[aria-label="tier 1 success rate"]').getAttribute('data-points'));
      assert.ok(points >= 10, `tier 1 success-rate history has ${points} points`);
      const row = page.locator('tr.alert.firing[data-alertname="HookrailDeadLetterInflow"][data-subscription="partner"]');
      assert.equal(await row.locator('td.subscription').innerText(), 'partner');
      assert.equal(await row.locator('a.runbook').getAttribute('href'), `${EXTERNAL_URL}/runbooks.html#hookraildeadletterinflow`);
      assert.match(await row.locator('time').innerText(), /just now|s ago|min ago/);
      // docs/status-page.png is refreshed on request only, so a test run leaves the tree clean.
      const screenshot = process.env.HOOKRAIL_UPDATE_SCREENSHOT === '1' ? join(repoRoot, 'docs/status-page.png') : join(tmpdir(), `hookrail-status-page-${process.pid}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`# status page screenshot: ${screenshot}`);
    });
    const runbooks = await fetch(`http://127.0.0.1:${port}/runbooks.html`);
    assert.match(await runbooks.text(), /<section id="hookraildeadletterinflow">/);
  });
});
