// A new user's first hour with the hookrail command: it runs from any folder, refuses bad
// input in one line with the documented exit codes, says when Kafka is not there, creates
// the source topics, refuses URLs the deliverers would refuse, and a router started before
// its source topic waits for it, not ready, naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { repoRoot, testBrokers, testKafka, uniquePrefix } from './support/kafka.ts';
import { startService, type RunningProcess } from './support/services.ts';
import { eventually } from './support/topics.ts';

const STACK_LINE = /^\s+at .+[:(]/m;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('hookrail, the first hour', () => {
  const prefix = uniquePrefix('first');
  const source = `${prefix}.shop.events`;
  const folder = mkdtempSync(join(tmpdir(), 'hookrail-user-'));
  let kafka: Kafka;
  let router: RunningProcess | undefined;

  /** The installed command (cli/bin/hookrail, what `npx hookrail` and `npm link` run), from a folder outside the repo. */
  const hookrail = (args: string[], env: Record<string, string> = {}) => {
    const started = Date.now();
    const result = spawnSync(join(repoRoot, 'cli/bin/hookrail'), args, {
      cwd: folder,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOOKRAIL_KAFKA_BROKERS: testBrokers().join(','), HOOKRAIL_TOPIC_PREFIX: prefix, ...env },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
  };
  const clean = (result: { stdout: string; stderr: string }) => {
    assert.doesNotMatch(result.stderr, STACK_LINE, 'no stack trace');
    assert.doesNotMatch(result.stderr, /Warning/, 'no Node warning');
    assert.ok(!result.stdout.includes('\x1b['), 'no colour codes when piped');
  };

  before(() => {
    kafka = testKafka();
  });
  after(async () => {
    if (router) await router.stop();
  });

  it('shows an example in the --help of every command', () => {
    const commands = [['topics', 'create'], ['topics', 'verify'], ['subscriptions', 'apply'], ['subscriptions', 'list'], ['subscriptions', 'delete'], ['subscriptions', 'disable'], ['subscriptions', 'enable'], ['secrets', 'generate'], ['send'], ['dlq', 'inspect'], ['dlq', 'replay'], []];
    for (const command of commands) {
      const help = hookrail([...command, '--help']);
      assert.equal(help.code, 0, `${command.join(' ')} --help`);
      assert.match(help.stdout, /Examples:\n(?: {2}\$ .*\n)* {2}\$ hookrail /, `${command.join(' ')} --help has an example`);
    }
  });

  it('says in one line, within 10 s, that Kafka cannot be reached, and exits 4', async () => {
    const port = await closedPort();
    const result = hookrail(['subscriptions', 'list'], { HOOKRAIL_KAFKA_BROKERS: `127.0.0.1:${port}` });
    assert.equal(result.code, 4, result.stderr);
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^hookrail: cannot reach Kafka: tried 127\\.0\\.0\\.1:${port} \\(connection refused.*HOOKRAIL_KAFKA_BROKERS`));
    assert.equal(result.stdout, '');
    clean(result);
  });

  it('a service with no broker to reach says so in one fatal line, within 10 s, and exits 1', async () => {
    const port = await closedPort();
    const started = Date.now();
    const deliverer = startService('deliverer', { HOOKRAIL_TOPIC_PREFIX: prefix, HOOKRAIL_KAFKA_BROKERS: `127.0.0.1:${port}` });
    assert.equal(await deliverer.exited, 1);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(deliverer.logs.filter((line) => line.level !== 'info').map((line) => [line.level, line.msg]), [
      ['fatal', `cannot reach Kafka: tried 127.0.0.1:${port} (connection refused: nothing listens there). Check that the broker is up and HOOKRAIL_KAFKA_BROKERS names it.`],
    ]);
    assert.ok(!deliverer.logs.some((line) => 'stack' in line || 'err' in line), 'no stack trace');
    assert.deepEqual(deliverer.stderr, []);
  });

  it('a deliverer refuses a misspelt HOOKRAIL_HTTP_ALLOW at start-up with exit 2', async () => {
    const deliverer = startService('deliverer', { HOOKRAIL_TOPIC_PREFIX: prefix, HOOKRAIL_HTTP_ALLOW: 'lo0pback' });
    assert.equal(await deliverer.exited, 2);
    assert.match(deliverer.stderr.join('\n'), /deliverer\.http\.allow: expected loopback, private, .* \(from HOOKRAIL_HTTP_ALLOW="lo0pback"\)/);
  });

  it('says how to configure the brokers when none are, and exits 2', () => {
    const result = hookrail(['subscriptions', 'list'], { HOOKRAIL_KAFKA_BROKERS: '' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /kafka\.brokers: required.*set HOOKRAIL_KAFKA_BROKERS/);
    assert.match(result.stderr, /--brokers/);
    clean(result);
  });

  it('refuses bad option values naming what was expected, with exit 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['dlq', 'inspect', '--limit', 'abc'], /--limit <n>' argument 'abc' is invalid\. expected a whole number from 1/],
      [['dlq', 'replay', '--error', 'lost'], /expected one of exhausted, permanent, gone, .*circuit-open, got "lost"/],
      [['dlq', 'replay', '--since', 'yesterday'], /expected a time/],
      [['dlq', 'replay', '--rate', '0'], /expected a positive number/],
      [['send', '--topic', source, '--count', '0'], /expected a whole number from 1/],
      [['send', '--topic', source, '--data', '{oops'], /expected a JSON object/],
      [['topics', 'crate'], /unknown command 'crate'/],
    ];
    for (const [args, expected] of cases) {
      const result = hookrail(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, expected);
      clean(result);
    }
  });

  it('a router started before its source topic waits, not ready, naming the topic and how to create it', async () => {
    const opsPort = await closedPort();
    router = startService('router', { HOOKRAIL_TOPIC_PREFIX: prefix, HOOKRAIL_ROUTER_SOURCE_TOPICS: source, HOOKRAIL_INSTANCE_ID: 'first-hour', HOOKRAIL_OPS_PORT: String(opsPort) });
    const waiting = await eventually(
      () => router!.logs.find((line) => String(line.msg).includes(`source topic ${source} not found`)),
      60_000,
      'the router naming its missing source topic',
    );
    assert.equal(waiting.level, 'error');
    assert.match(String(waiting.msg), new RegExp(`hookrail topics create --source ${source.replace(/\./g, '\\.')}`));
    assert.equal((await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status, 503);

    const created = hookrail(['topics', 'create', '--source', source]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created  ${source.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(created.stdout, new RegExp(`created  ${prefix}\\.dlq\\.replayed$`, 'm'));
    clean(created);
    await router.ready();
    assert.equal((await fetch(`http://127.0.0.1:${opsPort}/readyz`)).status, 200);
    assert.equal(router.stderr.filter((line) => /Warning/.test(line)).length, 0, router.stderr.join('\n'));
    assert.ok(!router.logs.some((line) => /partitioner/.test(String(line.msg))), 'no KafkaJS partitioner notice');
    assert.equal(await router.stop(), 0);
    router = undefined;
  });

  it('sends test events to a source topic, and names a missing one with the command that creates it', () => {
    const missing = hookrail(['send', '--topic', `${prefix}.nope`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`^hookrail: topic ${prefix}\\.nope does not exist .*hookrail topics create --source ${prefix}\\.nope"\\n$`));
    clean(missing);
    const sent = hookrail(['send', '--topic', source, '--type', 'order.created', '--count', '3']);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /sent 3 event\(s\) of type order\.created/);
  });

  it('applies a file relative to the folder it runs in, with a generated secret, and refuses URLs the deliverers would refuse', () => {
    const secret = hookrail(['secrets', 'generate']).stdout.trim();
    const file = (url: string) => `subscriptions:\n  - id: orders\n    source: shop\n    destination: warehouse\n    url: ${url}\n    eventTypes: ["order.*"]\n    tier: 2\n    secrets: ["${secret}"]\n`;
    writeFileSync(join(folder, 'plain.yaml'), file('http://127.0.0.1:9/hook'));
    const refused = hookrail(['subscriptions', 'apply', 'plain.yaml']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /orders: http:\/\/127\.0\.0\.1:9\/hook: http:\/\/ URL: the deliverers require HTTPS/);
    assert.match(refused.stderr, /nothing written/);
    clean(refused);
    const loopback = hookrail(['subscriptions', 'apply', 'plain.yaml'], { HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false' });
    assert.equal(loopback.code, 2);
    assert.match(loopback.stderr, /127\.0\.0\.1 is a loopback address the deliverers refuse .*HOOKRAIL_HTTP_ALLOW=loopback/);
    assert.equal(hookrail(['subscriptions', 'list', '--json']).stdout.trim(), '[]', 'nothing was written');

    const applied = hookrail(['subscriptions', 'apply', 'plain.yaml'], { HOOKRAIL_HTTP_REQUIRE_HTTPS: 'false', HOOKRAIL_HTTP_ALLOW: 'loopback' });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /applied 1 subscription\(s\)/);
    const forced = hookrail(['subscriptions', 'apply', 'plain.yaml', '--allow-refused']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^hookrail: warning: orders: http:\/\/127\.0\.0\.1:9\/hook: http:\/\/ URL/);

    const table = hookrail(['subscriptions', 'list']);
    assert.match(table.stdout, /orders/);
    assert.match(table.stdout, /1 subscription\(s\)/);
    clean(table);
    assert.equal(hookrail(['subscriptions', 'apply', 'missing.yaml']).code, 2);
  });

  it('runs as `npx hookrail` in the repo (the workspace bin)', () => {
    const result = spawnSync('npx', ['--no', 'hookrail', 'secrets', 'generate'], { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? folder } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^whsec_[A-Za-z0-9+/]{43}=\n$/);
  });

  it('resolves relative paths from the folder `npm run hookrail` was typed in', () => {
    writeFileSync(join(folder, 'here.yaml'), 'subscriptions: []\n');
    const result = spawnSync(process.execPath, ['--disable-warning=TimeoutNegativeWarning', join(repoRoot, 'cli/src/main.ts'), 'subscriptions', 'apply', 'here.yaml', '--dry-run'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOOKRAIL_KAFKA_BROKERS: testBrokers().join(','), HOOKRAIL_TOPIC_PREFIX: prefix, npm_lifecycle_event: 'hookrail', INIT_CWD: folder },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /dry run: nothing written \(0 valid subscription\(s\)\)/);
  });
});
