// A receiver starts failing: the monitor's fast-burn alert for its tier fires within the
// (scaled) window, scored and prioritised, reaches the webhook sink and the alerts topic, shows
// on the status page (headless Chromium) and in /metrics (checked by promtool), and resolves
// after the receiver recovers. The before/after report sees the change.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { beforeAfterReport, type AlertRecord } from '@hookrail/monitor';
import { testKafka, uniquePrefix } from './support/kafka.ts';
import { fetchJson, fetchText, promtool, withChromiumPage } from './support/monitor.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveries, readAll, testSubscription, type TestInstall } from './support/topics.ts';

// 0.005: 1 h → 18 s, 5 m → 1.5 s, for 2 m → 0.6 s.
const TIME_SCALE = 0.005;
const LONG_WINDOW_MS = 3_600_000 * TIME_SCALE;

describe('monitor: alerts from a failing receiver', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let receiver: Receiver;
  let healthy: Receiver;
  let sink: Receiver;
  let deliverer: RunningProcess;
  let monitor: RunningProcess;
  let port: number;
  let failing = false;
  let traffic: Promise<void> | undefined;
  let trafficOn = false;
  const marks: Record<string, number> = {};
  const snapshots = mkdtempSync(join(tmpdir(), 'hookrail-monitor-'));
  const orders = () => testSubscription({ id: 'orders', url: receiver.url, tier: 1, maxInFlight: 50 });

  const webhookAlerts = () =>
    sink.requests.flatMap((r) => (JSON.parse(r.body.toString()) as { alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }> }).alerts);
  const fastBurn = (status: string) => webhookAlerts().find((a) => a.labels.alertname === 'HookrailErrorBudgetBurnFast' && a.labels.hookrail_tier === '1' && a.status === status);
  const startTraffic = () => {
    trafficOn = true;
    traffic = (async () => {
      while (trafficOn) {
        await produceDeliveries(kafka, install, orders(), 4);
        await produceDeliveries(kafka, install, testSubscription({ id: 'newsletter', url: healthy.url, tier: 3 }), 1);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
  };

  before(async () => {
    kafka = testKafka();
    // Tier 1 with two short rungs (1 s, 4 s) so failed deliveries reach the DLQ in the test.
    install = await createTestInstall(kafka, uniquePrefix('monalert'), { tiers: { 1: { retries: 2 } } });
    receiver = await startReceiver(() => ({ status: failing ? 500 : 200, body: failing ? 'down for maintenance' : '' }));
    sink = await startReceiver(() => ({ status: 200 }));
    healthy = await startReceiver(() => ({ status: 200 }));
    await applySubscriptions(kafka, install, [orders(), testSubscription({ id: 'newsletter', url: healthy.url, tier: 3 })]);
    deliverer = startService('deliverer', { ...install.env, HOOKRAIL_INSTANCE_ID: 'd1' });
    monitor = startService('monitor', {
      ...install.env,
      HOOKRAIL_MONITOR_POLL_INTERVAL: '500ms',
      HOOKRAIL_MONITOR_EVALUATION_INTERVAL: '250ms',
      HOOKRAIL_MONITOR_STATUS_WINDOW: '1h',
      HOOKRAIL_ALERTS_TIME_SCALE: String(TIME_SCALE),
      HOOKRAIL_ALERTS_WEBHOOK_URL: sink.url,
      HOOKRAIL_MONITOR_EXTERNAL_URL: 'https://hookrail-monitor.example.test/',
    });
    await deliverer.ready();
    port = await monitor.ready();
  });

  after(async () => {
    trafficOn = false;
    await traffic;
    const codes = [await monitor?.stop(), await deliverer?.stop()];
    await receiver?.close();
    await sink?.close();
    await healthy?.close();
    assert.deepEqual(codes, [0, 0], 'monitor and deliverer exit 0 on SIGTERM');
  });

  it('healthy traffic raises no alert', async () => {
    marks.healthyFrom = Date.now();
    startTraffic();
    await eventually(async () => {
      const status = await fetchJson(port, '/status');
      return status.tiers[0].attempts >= 40 && status.tiers[2].attempts >= 10 ? status : undefined;
    }, 60_000, 'healthy attempts on /status');
    const status = await fetchJson(port, '/status');
    assert.equal(status.tiers[0].successRate, 1);
    assert.deepEqual(status.alerts.filter((a: { phase: string }) => a.phase === 'firing'), []);
    writeFileSync(join(snapshots, 'before.json'), JSON.stringify(status));
    marks.healthyTo = Date.now();
  });

  it('the receiver fails: the tier-1 fast-burn alert fires within its window, scored P1, to the webhook', async () => {
    failing = true;
    marks.failingFrom = Date.now();
    const firing = await eventually(() => fastBurn('firing'), 60_000, 'the fast-burn alert at the webhook');
    const attempts = (await readAll(kafka, install.topics.attempts)).map((r) => JSON.parse(r.value));
    const firstFailure = Math.min(...attempts.filter((a) => a.subscriptionId === 'orders' && a.status === 500).map((a) => a.attemptedAt));
    const delay = Date.parse(firing.startsAt) - firstFailure;
    console.log(`# fast-burn alert fired ${delay} ms after the first failed attempt (scaled long window ${LONG_WINDOW_MS} ms)`);
    console.log(`# webhook payload: ${sink.requests.map((r) => r.body.toString()).find((b) => b.includes('HookrailErrorBudgetBurnFast'))}`);
    assert.ok(delay >= 0 && delay <= LONG_WINDOW_MS, `fired ${delay} ms after the first failure`);
    assert.deepEqual(
      { alertname: firing.labels.alertname, tier: firing.labels.hookrail_tier, severity: firing.labels.severity, priority: firing.labels.priority, prefix: firing.labels.prefix },
      { alertname: 'HookrailErrorBudgetBurnFast', tier: '1', severity: 'critical', priority: 'P1', prefix: install.prefix },
    );
    // critical (4) × first time (1) × tier 1 weight 1 × √(share 1: all of tier 1 is "orders") × 10 = 40.
    assert.equal(firing.annotations.score, '40');
    assert.equal(firing.endsAt, '0001-01-01T00:00:00Z');
    const body = JSON.parse(sink.requests.find((r) => r.body.toString().includes('HookrailErrorBudgetBurnFast'))!.body.toString());
    assert.equal(body.version, '4');
    assert.equal(body.status, 'firing');
    assert.equal(body.externalURL, 'https://hookrail-monitor.example.test', 'the configured external URL, not the host and a random port');
    assert.equal(body.alerts[0].generatorURL, 'https://hookrail-monitor.example.test/status.html');
    assert.equal(body.alerts[0].annotations.runbook_url, 'https://hookrail-monitor.example.test/runbooks.html#hookrailerrorbudgetburnfast');
    assert.equal(body.alerts[0].annotations.subscription, 'orders', 'orders alone fails in tier 1');
    // Tier 3 (another receiver) stays healthy: none of its alerts fire.
    assert.equal(webhookAlerts().some((a) => a.labels.hookrail_tier === '3'), false);
  });

  it('the alert is on the alerts topic with its score', async () => {
    const records = await eventually(async () => {
      const list = (await readAll(kafka, install.topics.alerts)).map((r) => ({ key: r.key, alert: JSON.parse(r.value) as AlertRecord }));
      return list.some((r) => r.alert.name === 'HookrailErrorBudgetBurnFast' && r.alert.status === 'firing') ? list : undefined;
    }, 20_000, 'the firing record on the alerts topic');
    const record = records.find((r) => r.alert.name === 'HookrailErrorBudgetBurnFast' && r.alert.labels.hookrail_tier === '1')!;
    assert.equal(record.key, record.alert.fingerprint);
    assert.deepEqual(
      { score: record.alert.score.score, priority: record.alert.score.priority, severity: record.alert.score.severity, likelihood: record.alert.score.likelihood, share: record.alert.score.share, impact: record.alert.score.impact },
      { score: 40, priority: 'P1', severity: 'critical', likelihood: 1, share: 1, impact: 10 },
    );
  });

  it('/status and /metrics show it; promtool accepts the exposition', async () => {
    const status = await fetchJson(port, '/status');
    writeFileSync(join(snapshots, 'after.json'), JSON.stringify(status));
    marks.failingTo = Date.now();
    const alert = status.alerts.find((a: { name: string; phase: string }) => a.name === 'HookrailErrorBudgetBurnFast' && a.phase === 'firing');
    assert.ok(alert, 'firing on /status');
    assert.equal(alert.score.priority, 'P1');
    assert.equal(status.tiers[0].health, 'critical');
    assert.ok(status.tiers[0].successRate < 1);
    const metrics = await fetchText(port, '/metrics');
    for (const name of ['hookrail_delivery_attempts_total', 'hookrail_delivery_failures_total', 'hookrail_delivery_attempt_duration_seconds_bucket', 'hookrail_delivery_duration_seconds_bucket', 'hookrail_delivery_retries_bucket', 'hookrail_consumer_lag', 'hookrail_consumer_time_lag_seconds', 'hookrail_consumer_group_status', 'hookrail_queue_length', 'hookrail_slo_burn_rate', 'hookrail_alert_score']) {
      assert.match(metrics, new RegExp(`^${name}\\{`, 'm'), name);
    }
    assert.match(metrics, /^hookrail_alert_score\{alertname="HookrailErrorBudgetBurnFast",hookrail_tier="1",severity="critical",priority="P1".*\} 40$/m);
    assert.doesNotMatch(metrics, /^http_client_request_duration/m, 'the deliverer\'s HTTP client instrument is not re-emitted');
    assert.match(metrics, /^hookrail_delivery_attempt_duration_seconds_bucket\{[^}]*server_address="127\.0\.0\.1"/m, 'server.address from the subscription\'s URL');
    assert.doesNotMatch(metrics, /127\.0\.0\.1:\d+\/hook|msg_/, 'no URL or delivery id in any label');
    writeFileSync(join(snapshots, 'metrics.txt'), metrics);
    const check = await promtool(['check', 'metrics'], metrics);
    assert.equal(check.code, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
    console.log(`# /metrics sample:\n${metrics.split('\n').filter((l) => /^(hookrail_delivery_attempts_total|hookrail_alert_score|hookrail_slo_burn_rate|hookrail_consumer_time_lag_seconds|hookrail_consumer_lag)\{/.test(l)).slice(0, 12).map((l) => `#   ${l}`).join('\n')}`);
  });

  it('the status page renders the firing alert in headless Chromium', async () => {
    await withChromiumPage(`http://127.0.0.1:${port}/status.html`, async (page) => {
      const row = page.locator('tr.alert.firing[data-alertname="HookrailErrorBudgetBurnFast"]').first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await row.locator('td.priority').innerText(), 'P1');
      assert.equal(await row.locator('td.score').innerText(), '40.0');
      assert.equal(await page.locator('section.tier[data-tier="1"]').getAttribute('data-health'), 'critical');
      assert.match(await page.title(), /Critical/);
      await page.screenshot({ path: join(snapshots, 'status.png'), fullPage: true });
      console.log(`# status page screenshot: ${join(snapshots, 'status.png')}`);
    });
  });

  it('the receiver recovers: the alert resolves, at the webhook and on the topic', async () => {
    failing = false;
    const resolved = await eventually(() => fastBurn('resolved'), 60_000, 'the fast-burn alert to resolve');
    const firing = fastBurn('firing')!;
    assert.deepEqual(resolved.labels, firing.labels, 'the same labels, so Alertmanager matches them');
    assert.ok(Date.parse(resolved.endsAt) > Date.parse(firing.startsAt));
    await eventually(async () => {
      const list = (await readAll(kafka, install.topics.alerts)).map((r) => JSON.parse(r.value) as AlertRecord);
      return list.some((a) => a.name === 'HookrailErrorBudgetBurnFast' && a.status === 'resolved') ? true : undefined;
    }, 20_000, 'the resolved record on the alerts topic');
    trafficOn = false;
    await traffic;
  });

  it('the before/after report sees the error rate go up (snapshots and attempt-topic ranges)', async () => {
    const fromFiles = await beforeAfterReport({ kind: 'snapshot', file: join(snapshots, 'before.json') }, { kind: 'snapshot', file: join(snapshots, 'after.json') });
    const errorRate = fromFiles.rows.find((r) => r.tier === 1 && r.metric === 'error rate')!;
    assert.equal(errorRate.before, 0);
    assert.ok(errorRate.after! > 0);
    assert.equal(errorRate.verdict, 'worse');
    const fromTopic = await beforeAfterReport(
      { kind: 'range', from: marks.healthyFrom!, to: marks.healthyTo!, text: 'healthy' },
      { kind: 'range', from: marks.failingFrom!, to: marks.failingTo!, text: 'failing' },
      async () => ({ kafka, topic: install.topics.attempts }),
    );
    const rangeError = fromTopic.rows.find((r) => r.tier === 1 && r.metric === 'error rate')!;
    assert.equal(rangeError.verdict, 'worse');
    // Readers that are not services leave no consumer group behind.
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups().finally(() => admin.disconnect());
    const left = groups.map((g) => g.groupId).filter((id) => id.startsWith('hookrail-report-') || id.startsWith(`${install.prefix}-monitor-history-`));
    assert.deepEqual(left, [], 'no report or alert-history reader group is left');
    console.log(`# before/after report (attempt-topic ranges):\n${fromTopic.text.split('\n').map((l) => `#   ${l}`).join('\n')}`);
  });
});
