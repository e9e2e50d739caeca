// Endpoint auto-disable, then enable with replay, with a real broker, deliverer, monitor and
// receivers on loopback. A receiver failing continuously for the tier's (short, for the test)
// window is disabled by the monitor through the registry, an alert fires, and requests to it
// stop while its deliveries are parked in the DLQ; `hookrail subscriptions enable
// --replay-since` then delivers every one of them: nothing lost, each sent once after the
// enable. Another tier-3 subscription keeps delivering throughout. Counts, not timings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { H } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { repoRoot, testBrokers, testKafka, uniquePrefix } from './support/kafka.ts';
import { fetchJson, fetchText } from './support/monitor.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { applySubscriptions, createTestInstall, eventually, produceDeliveries, readAll, testSubscription, type TestInstall } from './support/topics.ts';

/** The CLI as a child process (not spawnSync: the receivers live in this process and must answer meanwhile). */
function hookrail(prefix: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(repoRoot, 'cli/src/main.ts'), '--brokers', testBrokers().join(','), '--prefix', prefix, ...args], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe('endpoint auto-disable, then enable with replay', () => {
  let kafka: Kafka;
  let install: TestInstall;
  let crmReceiver: Receiver;
  let erpReceiver: Receiver;
  let sink: Receiver;
  let deliverer: RunningProcess;
  let monitor: RunningProcess;
  let port: number;
  let failing = true;
  const crm = () => testSubscription({ id: 'crm', url: crmReceiver.url, tier: 3, maxInFlight: 8 });
  const erp = () => testSubscription({ id: 'erp', url: erpReceiver.url, tier: 3 });
  /** Every crm delivery the test produced, and every erp one. */
  const crmIds: string[] = [];
  const erpIds: string[] = [];
  let failingSince = 0;
  let enabledAt = 0;

  const alerts = () => sink.requests.flatMap((r) => (JSON.parse(r.body.toString()) as { alerts: WebhookAlert[] }).alerts);
  const autoDisabled = (status: string) => alerts().find((a) => a.labels.alertname === 'HookrailSubscriptionAutoDisabled' && a.status === status);
  const crmDeadLetters = async () => (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === 'crm');

  before(async () => {
    kafka = testKafka();
    // Tier 3 with one short rung (1 s): a failing delivery reaches the DLQ within the test.
    install = await createTestInstall(kafka, uniquePrefix('autodisable'), { tiers: { 3: { retries: 1 } } });
    crmReceiver = await startReceiver(() => ({ status: failing ? 503 : 200, body: failing ? 'crm is down' : '' }));
    erpReceiver = await startReceiver(() => ({ status: 200 }));
    sink = await startReceiver(() => ({ status: 200 }));
    await applySubscriptions(kafka, install, [crm(), erp()]);
    // The circuit breaker off: with this one-rung ladder a delivery it holds back twice is
    // dead-lettered at the last rung (as it should be), which would turn replayed deliveries
    // into dead letters again on a busy machine. The breaker's part in auto-disable (held
    // deliveries count as failures) is unit-tested in policy/auto-disable.test.ts; the breaker
    // itself in receiver-protection.test.ts.
    deliverer = startService('deliverer', { ...install.env, HOOKRAIL_INSTANCE_ID: 'd1', HOOKRAIL_BREAKER_ENABLED: 'false' });
    monitor = startService('monitor', {
      ...install.env,
      // Tier 3: disabled after 3 s of continuous failure with at least 5 failed attempts in them.
      HOOKRAIL_AUTO_DISABLE_TIER3: '3s',
      HOOKRAIL_AUTO_DISABLE_MIN_FAILURES: '5',
      HOOKRAIL_MONITOR_POLL_INTERVAL: '500ms',
      HOOKRAIL_MONITOR_EVALUATION_INTERVAL: '250ms',
      HOOKRAIL_ALERTS_WEBHOOK_URL: sink.url,
    });
    await deliverer.ready();
    port = await monitor.ready();
  });

  after(async () => {
    const codes = [await monitor?.stop(), await deliverer?.stop()];
    await crmReceiver?.close();
    await erpReceiver?.close();
    await sink?.close();
    assert.deepEqual(codes, [0, 0], 'monitor and deliverer exit 0 on SIGTERM');
  });

  it('a receiver failing continuously is auto-disabled through the registry, and the alert fires with its score', async () => {
    failingSince = Date.now();
    // Traffic until the monitor disables crm: the streak needs attempts through the whole window.
    let firing: WebhookAlert | undefined;
    while (!(firing = autoDisabled('firing'))) {
      crmIds.push(...(await produceDeliveries(kafka, install, crm(), 2)));
      erpIds.push(...(await produceDeliveries(kafka, install, erp(), 1)));
      if (Date.now() - failingSince > 120_000) assert.fail('crm was not auto-disabled within 120 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(crmReceiver.delivered.size, 0, 'crm answered nothing but 503');
    console.log(`# auto-disabled after ${crmIds.length} crm deliveries; ${crmReceiver.requests.length} requests to crm so far, none answered 2xx`);
    assert.equal(firing.labels.hookrail_subscription_id, 'crm');
    assert.equal(firing.labels.hookrail_tier, '3');
    assert.equal(firing.labels.severity, 'critical');
    assert.ok(Number(firing.annotations.score) > 0, `scored: ${firing.annotations.scoring}`);
    assert.match(firing.annotations.priority ?? '', /^P[1-4]$/);
    assert.equal(firing.annotations.subscription, 'crm');
    assert.match(firing.annotations.description ?? '', /every attempt failed since .* auto-disabled after 3s of continuous failure.*"hookrail subscriptions enable crm --replay-since /);
    console.log(`# alert: ${firing.labels.alertname} score ${firing.annotations.score} ${firing.annotations.priority} (${firing.annotations.scoring})`);

    // The registry says so: a disabled:crm record by the monitor; the subscription record is untouched.
    const registry = await readAll(kafka, install.topics.subscriptions);
    const disable = registry.filter((r) => r.key === 'disabled:crm').map((r) => JSON.parse(r.value));
    assert.equal(disable.length, 1, 'one disable record');
    assert.equal(disable[0].disabled, true);
    assert.equal(disable[0].by, 'monitor');
    assert.equal(registry.filter((r) => r.key === 'crm').length, 1, 'the subscription itself was not rewritten');
  });

  it('the status page and `subscriptions list` show it disabled and why', async () => {
    const status = await eventually(async () => {
      const s = await fetchJson(port, '/status');
      return s.subscriptions.find((x: { id: string; disabled?: unknown }) => x.id === 'crm' && x.disabled) ? s : undefined;
    }, 30_000, 'crm disabled on /status');
    const row = status.subscriptions.find((x: { id: string }) => x.id === 'crm');
    assert.equal(row.disabled.by, 'monitor');
    assert.match(row.disabled.reason, /continuous failure/);
    assert.ok(status.alerts.some((a: { name: string; phase: string; subscription?: string }) => a.name === 'HookrailSubscriptionAutoDisabled' && a.phase === 'firing' && a.subscription === 'crm'));
    const page = await fetchText(port, '/status.html');
    assert.match(page, /<tr data-subscription="crm" class="disabled"><td>crm<div class="disabled-note">disabled by monitor <time[^>]*>[^<]*<\/time>: every attempt failed since/);
    assert.match(await fetchText(port, '/metrics'), /hookrail_subscription_disabled\{[^}]*hookrail_disabled_by="monitor"[^}]*\} 1/);
    const list = await hookrail(install.prefix, 'subscriptions', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /crm .* no .*disabled by monitor/s);
  });

  it('while disabled no request reaches it: its deliveries are parked in the DLQ; the other subscription keeps delivering', async () => {
    // Everything sent so far ends: delivered nowhere for crm (503s), so in the DLQ, once each.
    await eventually(async () => {
      const ids = new Set((await crmDeadLetters()).map((r) => r.headers[H.deliveryId]));
      return crmIds.every((id) => ids.has(id)) ? true : undefined;
    }, 90_000, 'every crm delivery so far in the DLQ');
    const requestsBefore = crmReceiver.requests.length;
    const parked = await produceDeliveries(kafka, install, crm(), 20);
    crmIds.push(...parked);
    const moreErp = await produceDeliveries(kafka, install, erp(), 10);
    erpIds.push(...moreErp);
    const letters = await eventually(async () => {
      const all = await crmDeadLetters();
      return parked.every((id) => all.some((r) => r.headers[H.deliveryId] === id)) ? all : undefined;
    }, 60_000, 'the 20 deliveries made while disabled in the DLQ');
    await eventually(() => (erpIds.every((id) => erpReceiver.delivered.has(id)) ? true : undefined), 60_000, 'every erp delivery delivered');
    const parkedLetters = letters.filter((r) => parked.includes(r.headers[H.deliveryId]!));
    assert.deepEqual([...new Set(parkedLetters.map((r) => r.headers[H.error]))], ['subscription-disabled']);
    assert.match(parkedLetters[0]!.headers[H.errorDetail]!, /^subscription crm was disabled by monitor at .*"hookrail subscriptions enable crm --replay-since /);
    assert.equal(crmReceiver.requests.length, requestsBefore, 'no request to crm while it is disabled');
    assert.equal(crmReceiver.requests.filter((r) => parked.includes(r.webhookId)).length, 0);
    console.log(`# while disabled: ${parked.length} crm deliveries parked, 0 requests to crm; erp delivered ${erpReceiver.delivered.size} of ${erpIds.length}`);
  });

  it('enable --replay-since refuses bad input in one line (exit 2)', async () => {
    const bad = await hookrail(install.prefix, 'subscriptions', 'enable', 'crm', '--replay-since', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--replay-since <time>' argument 'yesterday' is invalid\. expected an ISO 8601 time \(2026-01-31T12:00:00Z\) or how long ago \(30m, 2h, 7d\), got "yesterday"\./);
    const missing = await hookrail(install.prefix, 'subscriptions', 'enable', 'nope');
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, `hookrail: subscription "nope" does not exist in ${install.topics.subscriptions} ("hookrail subscriptions list" shows the ids)\n`);
  });

  it('enable --replay-since delivers everything dead-lettered meanwhile: nothing lost, each sent once after the enable', async () => {
    failing = false;
    const since = new Date(failingSince - 1_000).toISOString();
    const dead = await crmDeadLetters();
    enabledAt = Date.now();
    const enabled = await hookrail(install.prefix, 'subscriptions', 'enable', 'crm', '--replay-since', since);
    assert.equal(enabled.code, 0, enabled.stderr);
    console.log(`# ${enabled.stdout.trim()}`);
    assert.match(enabled.stdout, new RegExp(`^enabled crm \\(disabled by monitor at .*\\); replayed ${dead.length} dead letter\\(s\\) since ${since.replace(/[.]/g, '\\.')}\\n$`));
    assert.equal(dead.length, crmIds.length, 'one dead letter per crm delivery, no more');

    await eventually(() => (crmIds.every((id) => crmReceiver.delivered.has(id)) ? true : undefined), 90_000, 'every crm delivery delivered after the replay');
    const afterEnable = crmReceiver.requests.filter((r) => r.at >= enabledAt);
    const perId = new Map<string, number>();
    for (const r of afterEnable) perId.set(r.webhookId, (perId.get(r.webhookId) ?? 0) + 1);
    const twice = [...perId].filter(([, n]) => n > 1);
    console.log(`# crm: ${crmIds.length} deliveries, ${dead.length} dead letters replayed, ${crmReceiver.delivered.size} delivered, ${afterEnable.length} requests after the enable, ${twice.length} sent twice`);
    assert.equal(crmReceiver.delivered.size, crmIds.length, 'every crm delivery delivered, none unknown');
    assert.equal(afterEnable.length, crmIds.length, 'one request per delivery after the enable');
    assert.deepEqual(twice, []);
    assert.ok(afterEnable.every((r) => r.status === 200));

    const resolved = await eventually(() => autoDisabled('resolved'), 30_000, 'the auto-disable alert resolved');
    assert.equal(resolved.labels.hookrail_subscription_id, 'crm');
    const again = await hookrail(install.prefix, 'dlq', 'replay', '--subscription', 'crm', '--dry-run');
    assert.match(again.stdout, new RegExp(`would replay 0 dead letter\\(s\\); ${crmIds.length} already replayed`), 'the replay marks keep a later dlq replay from sending them twice');
  });

  it('an operator can disable and enable by hand: parked meanwhile, delivered on enable', async () => {
    const disabled = await hookrail(install.prefix, 'subscriptions', 'disable', 'erp', '--reason', 'erp migrating');
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, /^disabled erp: its deliveries go to the DLQ until "hookrail subscriptions enable erp --replay-since .*"\n$/);
    const requestsBefore = erpReceiver.requests.length;
    // The deliverer's view of the registry follows within moments: wait until a delivery is parked.
    const parked: string[] = [];
    await eventually(async () => {
      parked.push(...(await produceDeliveries(kafka, install, erp(), 1)));
      const letters = (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === 'erp');
      return letters.some((r) => r.headers[H.error] === 'subscription-disabled') ? true : undefined;
    }, 60_000, 'an erp delivery parked');
    const batch = await produceDeliveries(kafka, install, erp(), 5);
    parked.push(...batch);
    await eventually(async () => {
      const letters = (await readAll(kafka, install.topics.dlq)).filter((r) => r.headers[H.subscriptionId] === 'erp');
      const done = new Set([...letters.map((r) => r.headers[H.deliveryId]), ...erpReceiver.delivered]);
      return parked.every((id) => done.has(id)) ? true : undefined;
    }, 60_000, 'every erp delivery made while disabling delivered or parked');
    const parkedNow = parked.filter((id) => !erpReceiver.delivered.has(id));
    assert.ok(batch.every((id) => parkedNow.includes(id)), 'the 5 sent once it was disabled are all parked');
    assert.equal(erpReceiver.requests.length - requestsBefore, parked.length - parkedNow.length, 'requests only for deliveries the deliverer saw before the disable');

    const enabled = await hookrail(install.prefix, 'subscriptions', 'enable', 'erp', '--replay-since', '10m');
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.match(enabled.stdout, new RegExp(`^enabled erp \\(disabled by cli at .*: erp migrating\\); replayed ${parkedNow.length} dead letter\\(s\\) since `));
    await eventually(() => (parked.every((id) => erpReceiver.delivered.has(id)) ? true : undefined), 60_000, 'every parked erp delivery delivered');
    console.log(`# operator disable: ${parkedNow.length} erp deliveries parked, all delivered after enable`);
  });
});
