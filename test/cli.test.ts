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
import { deadLetterRecord, flagRecord, topicNames, type Delivery } from '@hookrail/shared';

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
      // The deliverers' policy for a receiver on loopback: apply checks URLs against it.
      env: { PATH: process.env.PATH ?? '', HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false', HOOKRAIL_HTTP_ALLOW: 'loopback' },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  /** Consumer groups the CLI could have left: its throwaway readers (cli-reader-…) and any under the prefix. */
  const cliGroups = async () => {
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups().finally(() => admin.disconnect());
    return groups.map((g) => g.groupId).filter((id) => id.startsWith('cli-reader-') || id.startsWith(prefix)).sort();
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
    const groupsBefore = await cliGroups();
    const dry = hookrail('dlq', 'replay', '--dry-run');
    assert.match(dry.stdout, /would replay 3 dead letter\(s\)$/m);
    const one = hookrail('dlq', 'replay', '--delivery-id', ids[0]!);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /replayed 1 dead letter\(s\)$/m, 'a delivery-id filter replays that one only');
    assert.match(hookrail('dlq', 'replay', '--dry-run').stdout, /would replay 2 dead letter\(s\); 1 already replayed, skipped/, 'the dry run agrees with what a replay would do');
    const replayed = hookrail('dlq', 'replay');
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.match(replayed.stdout, /replayed 2 dead letter\(s\); 1 already replayed, skipped/);
    await eventually(() => (ids.every((id) => receiver.delivered.has(id)) ? true : undefined), 20_000, 'the replayed deliveries');

    const marked = hookrail('dlq', 'inspect', '--json').stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(marked.every((r) => r.replayed?.times === 1 && r.replayed.deliveryId === r['hookrail-delivery-id']), 'inspect shows each one replayed once');
    assert.match(hookrail('dlq', 'inspect').stdout, /3 of 3 dead letter\(s\) shown; 3 of them replayed/);

    const again = hookrail('dlq', 'replay');
    assert.match(again.stdout, /replayed 0 dead letter\(s\); 3 already replayed, skipped \(--again to send them again\)/, 'a second replay sends nothing');
    const forced = hookrail('dlq', 'replay', '--again', '--subscription', 'billing');
    assert.match(forced.stdout, /replayed 3 dead letter\(s\)$/m);
    await eventually(() => (receiver.requests.filter((r) => ids.includes(r.webhookId) && r.status === 200).length >= 6 ? true : undefined), 20_000, 'the deliveries sent again');
    const twice = hookrail('dlq', 'inspect', '--json').stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(twice.every((r) => r.replayed?.times === 2));
    assert.deepEqual(await cliGroups(), groupsBefore, 'inspect and replay leave no consumer group behind');
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
  it('inspects dead letters of every class the deliverer writes: --error internal and --error parked are accepted', async () => {
    const topics = topicNames(prefix);
    const delivery = (id: string): Delivery => ({
      deliveryId: id, eventId: id, eventType: 'order.created', subscriptionId: 'warehouse', tier: 2, attempt: 0,
      source: 'shop/0/1', eventTime: 1_000, contentType: 'application/json', payload: Buffer.from('{}'),
    });
    const origin = { topic: topics.tier(2), partition: 0, offset: '1' };
    // As the deliverer writes them (shared/src/records/dead-letter.ts): an attempt that threw, and an ordered key parked behind a dead head.
    const letters = [
      deadLetterRecord(topics.dlq, delivery('msg_internal'), { error: 'internal', detail: 'hookrail failed on this delivery: boom', origin, lastAttemptAt: Date.now() }),
      deadLetterRecord(topics.dlq, delivery('msg_parked'), { error: 'parked', detail: 'behind msg_internal', origin, lastAttemptAt: Date.now() }),
    ];
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: topics.dlq, acks: -1, messages: letters.map((l) => l.message) }).finally(() => producer.disconnect());
    for (const error of ['internal', 'parked']) {
      const inspected = hookrail('dlq', 'inspect', '--error', error, '--json');
      assert.equal(inspected.code, 0, inspected.stderr);
      const rows = inspected.stdout.trim().split('\n').map((line) => JSON.parse(line));
      assert.deepEqual(rows.map((r) => [r['hookrail-delivery-id'], r['hookrail-error']]), [[`msg_${error}`, error]]);
    }
    const both = hookrail('dlq', 'replay', '--dry-run', '--error', 'internal', '--error', 'parked');
    assert.match(both.stdout, /would replay 2 dead letter\(s\)$/m);
    const wrong = hookrail('dlq', 'inspect', '--error', 'nope');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /expected one of exhausted, permanent, gone, .*internal, parked, unwritable, circuit-open, got "nope"/);
  });
});
