// The hookrail CLI as operators and data teams use it: topics, subscriptions from YAML,
// DLQ inspection and replay back into delivery with the same webhook-id.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { repoRoot, testBrokers, testKafka, uniquePrefix } from './support/kafka.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { eventually, produceDeliveries, readAll, TEST_SECRET, testSubscription } from './support/topics.ts';
import { flagRecord, topicNames } from '@hookrail/shared';

describe('hookrail CLI', () => {
  const prefix = uniquePrefix('cli');
  const dir = mkdtempSync(join(tmpdir(), 'hookrail-cli-'));
  let kafka: Kafka;
  let receiver: Receiver;
  let accepting = false;
  let deliverer: RunningProcess | undefined;

  const hookrail = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(repoRoot, 'cli/src/main.ts'), '--brokers', testBrokers().join(','), '--prefix', prefix, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  before(async () => {
    kafka = testKafka();
    receiver = await startReceiver(() => ({ status: accepting ? 200 : 422, body: 'field "total" missing' }));
  });
  after(async () => {
    if (deliverer) assert.equal(await deliverer.stop(), 0);
    await receiver.close();
  });

  it('creates and verifies the topics', () => {
    const created = hookrail('topics', 'create');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created  ${prefix}\\.dlq`));
    const verified = hookrail('topics', 'verify');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`ok       ${prefix}\\.subscriptions`));
  });

  it('rejects an invalid subscriptions file naming each field, and writes nothing', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'subscriptions:\n  - id: billing\n    source: erp\n    destination: billing\n    url: not-a-url\n    eventTypes: ["*"]\n    tier: 5\n    secrets: []\n');
    const result = hookrail('subscriptions', 'apply', file);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /subscriptions\[0\] \(billing\)\.url: expected an http:\/\/ or https:\/\/ URL/);
    assert.match(result.stderr, /subscriptions\[0\] \(billing\)\.tier: expected tier 1, 2 or 3/);
    assert.match(result.stderr, /subscriptions\[0\] \(billing\)\.secrets: expected at least one signing secret/);
  });

  it('rejects a secret signing could not use, saying how to make a good one, and writes nothing', () => {
    const file = join(dir, 'unpadded.yaml');
    const unpadded = TEST_SECRET.replace(/=+$/, '');
    writeFileSync(file, `subscriptions:\n  - id: ledger\n    source: erp\n    destination: ledger\n    url: https://ledger.example.com\n    eventTypes: ["*"]\n    tier: 2\n    secrets: ["${unpadded}"]\n`);
    const result = hookrail('subscriptions', 'apply', file);
    assert.notEqual(result.code, 0, result.stderr);
    assert.match(result.stderr, /subscriptions\[0\] \(ledger\)\.secrets\[0\]: the signing secret is base64 without its "=" padding .*expected "whsec_" \+ base64 of 24–64 random bytes \(make one with "hookrail secrets generate"/);
    assert.ok(!result.stderr.includes(unpadded.slice(6)), 'the secret is not echoed');
    assert.doesNotMatch(hookrail('subscriptions', 'list').stdout, /ledger/);
  });

  it('applies subscriptions from YAML and lists them with secrets redacted', () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, `subscriptions:\n  - id: billing\n    source: erp\n    destination: billing\n    url: ${receiver.url}\n    eventTypes: ["invoice.*"]\n    tier: 3\n    secrets: ["${TEST_SECRET}"]\n`);
    const applied = hookrail('subscriptions', 'apply', file);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /create  billing  tier 3/);
    const listed = hookrail('subscriptions', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const [billing] = JSON.parse(listed.stdout);
    assert.equal(billing.id, 'billing');
    assert.deepEqual(billing.secrets, ['whsec_[redacted]']);
    assert.ok(!listed.stdout.includes(TEST_SECRET));
  });

  it('inspects dead letters and replays them, once, with the same webhook-id', async () => {
    deliverer = startService('deliverer', {
      HOOKRAIL_TOPIC_PREFIX: prefix,
      HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false',
      HOOKRAIL_HTTP_ALLOW: 'loopback',
      HOOKRAIL_DELIVERER_TIERS: '3',
      HOOKRAIL_INSTANCE_ID: 'cli-test',
    });
    await deliverer.ready();
    const install = { prefix, topics: topicNames(prefix), configFile: '', env: {} };
    const ids = await produceDeliveries(kafka, install, testSubscription({ id: 'billing', url: receiver.url, tier: 3 }), 3);
    await eventually(async () => ((await readAll(kafka, install.topics.dlq)).length === 3 ? true : undefined), 20_000, '3 dead letters');

    const inspected = hookrail('dlq', 'inspect', '--json');
    assert.equal(inspected.code, 0, inspected.stderr);
    const rows = inspected.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(rows.map((r) => r['hookrail-delivery-id']).sort(), [...ids].sort());
    assert.ok(rows.every((r) => r['hookrail-error'] === 'permanent' && r['hookrail-status'] === '422'));
    assert.match(rows[0]['hookrail-error-detail'], /field "total" missing/);
    const table = hookrail('dlq', 'inspect');
    assert.match(table.stdout, /3 dead letter\(s\) shown/);

    accepting = true; // the receiver's bug is fixed: replay
    const dry = hookrail('dlq', 'replay', '--dry-run');
    assert.match(dry.stdout, /would replay 3 dead letter\(s\)/);
    const replayed = hookrail('dlq', 'replay');
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /replayed 3 dead letter\(s\)/);
    await eventually(() => (ids.every((id) => receiver.delivered.has(id)) ? true : undefined), 20_000, 'the replayed deliveries');
    assert.match(hookrail('dlq', 'replay').stdout, /replayed 0 dead letter\(s\)/, 'a second replay finds nothing new');
  });

  it('lists a flagged subscription with its flag, and a registry record that is not a subscription with its problem', async () => {
    const topic = topicNames(prefix).subscriptions;
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer
      .send({
        topic,
        acks: -1,
        messages: [flagRecord(topic, 'billing', { reason: 'receiver answered 410 Gone for msg_x', at: '2026-01-02T03:04:05.000Z' }).message, { key: 'junk', value: 'not json' }],
      })
      .finally(() => producer.disconnect());
    const listed = hookrail('subscriptions', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /flagged 2026-01-02T03:04:05\.000Z: receiver answered 410 Gone for msg_x/);
    assert.match(listed.stdout, /junk[\s\S]*not JSON/);
    const json = JSON.parse(hookrail('subscriptions', 'list', '--json').stdout) as Array<{ id: string; flagged?: { reason: string }; problem?: string }>;
    assert.match(json.find((s) => s.id === 'billing')?.flagged?.reason ?? '', /410 Gone/);
    assert.match(json.find((s) => s.id === 'junk')?.problem ?? '', /not JSON/);
  });
});
