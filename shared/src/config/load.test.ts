import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { baseConfigSchema, baseEnv } from './base.ts';
import { ConfigError, loadConfig } from './load.ts';

const load = (env: Record<string, string>, file?: string) =>
  loadConfig(baseConfigSchema, { envMap: baseEnv, env, file });

/** The problems of a config that must fail. */
function problemsOf(env: Record<string, string>, file?: string): string[] {
  try {
    load(env, file);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return [...error.problems];
  }
  assert.fail('expected the configuration to be rejected');
}

function yamlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hookrail-config-')), 'hookrail.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('fills defaults around the one required setting', () => {
    const config = load({ HOOKRAIL_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093' });
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092', '127.0.0.1:9093']);
    assert.equal(config.topics.prefix, 'hookrail');
    assert.equal(config.tiers[1].retries, 8);
    assert.equal(config.tiers[2].slo, 0.999);
    assert.equal(config.shutdown.deadlineMs, 30_000);
    assert.equal(config.ops.port, 8080);
  });

  it('names a missing broker list and how to set it', () => {
    const [problem, ...rest] = problemsOf({});
    assert.equal(rest.length, 0);
    assert.match(problem!, /^kafka\.brokers: required/);
    assert.match(problem!, /HOOKRAIL_KAFKA_BROKERS/);
  });

  const badValues: Array<[string, string, RegExp]> = [
    ['HOOKRAIL_KAFKA_BROKERS', 'localhost', /^kafka\.brokers\.0: expected host:port .*HOOKRAIL_KAFKA_BROKERS="localhost"/],
    ['HOOKRAIL_OPS_PORT', 'eighty', /^ops\.port: expected a whole number from 0 to 65535 \(from HOOKRAIL_OPS_PORT="eighty"\)/],
    ['HOOKRAIL_OPS_PORT', '70000', /^ops\.port: expected a whole number from 0 to 65535/],
    ['HOOKRAIL_TOPIC_PARTITIONS', '0', /^topics\.partitions: expected a whole number from 1/],
    ['HOOKRAIL_LOG_LEVEL', 'loud', /^log\.level: expected one of fatal, error, warn/],
    ['HOOKRAIL_SHUTDOWN_DEADLINE', 'soon', /^shutdown\.deadlineMs: expected a duration such as/],
    ['HOOKRAIL_TOPICS_CREATE', 'maybe', /^topics\.create: expected true or false/],
    ['HOOKRAIL_TOPIC_PREFIX', 'hook rail', /^topics\.prefix: expected letters, digits/],
    ['HOOKRAIL_KAFKA_SASL_MECHANISM', 'kerberos', /^kafka\.sasl\.mechanism: expected plain, scram-sha-256 or scram-sha-512/],
  ];
  for (const [name, value, expected] of badValues) {
    it(`rejects ${name}=${value} naming the field`, () => {
      const problems = problemsOf({ HOOKRAIL_KAFKA_BROKERS: '127.0.0.1:9092', [name]: value });
      assert.ok(problems.some((p) => expected.test(p)), `no problem matched ${expected}: ${problems.join(' | ')}`);
    });
  }

  it('parses durations with units', () => {
    const config = load({ HOOKRAIL_KAFKA_BROKERS: 'k:9092', HOOKRAIL_SHUTDOWN_DEADLINE: '45s', HOOKRAIL_TOPIC_RETENTION: '2d' });
    assert.equal(config.shutdown.deadlineMs, 45_000);
    assert.equal(config.topics.retentionMs, 2 * 86_400_000);
  });

  it('reads a YAML file and lets the environment override it', () => {
    const file = yamlFile('kafka:\n  brokers: [a:1, b:2]\ntiers:\n  2:\n    slo: 0.995\nops:\n  port: 9000\n');
    const config = load({ HOOKRAIL_OPS_PORT: '9100' }, file);
    assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
    assert.equal(config.tiers[2].slo, 0.995);
    assert.equal(config.tiers[2].retries, 6, 'an unset tier field keeps its default');
    assert.equal(config.ops.port, 9100);
  });

  it('names bad values and unknown keys in the file', () => {
    const file = yamlFile('kafka:\n  brokers: [a:1]\ntiers:\n  1:\n    slo: 1.5\nopz:\n  port: 1\n');
    const problems = problemsOf({}, file);
    assert.ok(problems.some((p) => /^tiers\.1\.slo: expected a number between 0 and 1 .*in .*hookrail\.yaml: 1\.5/.test(p)), problems.join(' | '));
    assert.ok(problems.some((p) => /^opz: unknown setting/.test(p)), problems.join(' | '));
  });

  it('says when the file is not YAML or cannot be read', () => {
    assert.match(problemsOf({}, yamlFile('kafka: [unclosed'))[0]!, /not valid YAML/);
    assert.match(problemsOf({}, '/nonexistent/hookrail.yaml')[0]!, /cannot be read/);
  });
});
