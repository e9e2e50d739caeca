// scripts/kafka.sh remembers where a broker was started: status, address and stop find it
// from its home alone, and status from another home names it instead of a bare "stopped".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from './support/kafka.ts';

const PORT = Number(process.env.SCRIPT_TEST_KAFKA_PORT ?? 19592);
const home = mkdtempSync(join(tmpdir(), 'hookrail-kafka-script-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'hookrail-kafka-empty-'));

function kafkaSh(command: string | string[], env: Record<string, string>) {
  const { KAFKA_PORT: _port, KAFKA_CONTROLLER_PORT: _controller, KAFKA_HOME_DIR: _home, ...inherited } = process.env;
  const result = spawnSync('bash', [join(repoRoot, 'scripts/kafka.sh'), ...[command].flat()], { env: { ...inherited, ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('scripts/kafka.sh', () => {
  after(() => {
    kafkaSh('stop', { KAFKA_HOME_DIR: home, KAFKA_PORT: String(PORT), KAFKA_CONTROLLER_PORT: String(PORT + 1) });
    rmSync(home, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('finds a broker started on another port from its home alone, and names it from elsewhere', () => {
    const started = kafkaSh('start', { KAFKA_HOME_DIR: home, KAFKA_PORT: String(PORT), KAFKA_CONTROLLER_PORT: String(PORT + 1) });
    assert.equal(started.code, 0, started.stderr);
    assert.equal(started.stdout.trim().split('\n').at(-1), `127.0.0.1:${PORT}`);

    const status = kafkaSh('status', { KAFKA_HOME_DIR: home });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, new RegExp(`^running pid=\\d+ address=127\\.0\\.0\\.1:${PORT} home=${home}$`, 'm'));
    assert.equal(kafkaSh('address', { KAFKA_HOME_DIR: home }).stdout.trim(), `127.0.0.1:${PORT}`);

    const other = kafkaSh('status', { KAFKA_HOME_DIR: elsewhere });
    assert.equal(other.code, 3);
    assert.match(other.stdout, new RegExp(`^stopped \\(no broker from ${elsewhere}\\); other brokers on this machine:`));
    assert.match(other.stdout, new RegExp(`pid=\\d+ address=127\\.0\\.0\\.1:${PORT} home=${home} \\(KAFKA_HOME_DIR=${home} to manage it\\)`));

    const stopped = kafkaSh('stop', { KAFKA_HOME_DIR: home });
    assert.equal(stopped.code, 0, stopped.stderr);
    const after = kafkaSh('status', { KAFKA_HOME_DIR: home });
    assert.equal(after.code, 3);
    assert.doesNotMatch(after.stdout, new RegExp(`home=${home} `));
  });

  it('cluster: kill of a node that is not running says so and signals nothing; status names only that cluster\'s nodes', () => {
    const cluster = mkdtempSync(join(tmpdir(), 'hookrail-kafka-cluster-'));
    try {
      const env = { KAFKA_HOME_DIR: cluster, KAFKA_CLUSTER_PORT: String(PORT + 10) };
      const killed = kafkaSh(['cluster', 'kill', '2'], env);
      assert.equal(killed.code, 1);
      assert.match(killed.stderr, /cluster kill: node 2 is not running \(nothing killed\)/);
      const status = kafkaSh(['cluster', 'status'], env);
      assert.equal(status.code, 3);
      assert.match(status.stdout, /^node 1 stopped/m);
      // Other brokers run on this machine (the test broker at least): a cluster's status does not list them.
      assert.doesNotMatch(status.stdout, /on this machine|KAFKA_HOME_DIR=/);
      assert.equal(kafkaSh(['cluster', 'stop'], env).code, 0);
    } finally {
      rmSync(cluster, { recursive: true, force: true });
    }
  });
});
