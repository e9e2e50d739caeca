import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DELIVERY_RECORD_OVERHEAD_BYTES, KAFKA_DEFAULT_MAX_MESSAGE_BYTES, loadConfig, maxPayloadFor } from '@hookrail/shared';
import { routerConfigSchema, routerEnv } from './config.ts';

const load = (env: Record<string, string>) =>
  loadConfig(routerConfigSchema, { envMap: routerEnv, env: { HOOKRAIL_KAFKA_BROKERS: '127.0.0.1:9092', HOOKRAIL_ROUTER_SOURCE_TOPICS: 'shop', ...env } });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  return assert.fail('expected the configuration to be rejected');
}

describe('router config: max payload against the topics\' record size', () => {
  it('defaults to 1 000 000 bytes, which fits Kafka\'s default 1 048 588 with every header', () => {
    const config = load({});
    assert.equal(config.router.maxPayloadBytes, 1_000_000);
    assert.equal(config.topics.maxMessageBytes, KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
    assert.ok(config.router.maxPayloadBytes + DELIVERY_RECORD_OVERHEAD_BYTES <= config.topics.maxMessageBytes);
  });

  it('refuses a max payload that cannot fit, naming the largest that can and how to fix it', () => {
    const [problem, ...rest] = problemsOf({ HOOKRAIL_ROUTER_MAX_PAYLOAD_BYTES: String(1024 * 1024) });
    assert.equal(rest.length, 0);
    assert.match(
      problem!,
      new RegExp(`^router\\.maxPayloadBytes: expected at most ${maxPayloadFor(KAFKA_DEFAULT_MAX_MESSAGE_BYTES)} bytes: .*max\\.message\\.bytes of 1048588 .*HOOKRAIL_TOPIC_MAX_MESSAGE_BYTES.*\\(from HOOKRAIL_ROUTER_MAX_PAYLOAD_BYTES="1048576"\\)$`),
    );
  });

  it('accepts a larger payload when the topics accept larger records', () => {
    const config = load({ HOOKRAIL_ROUTER_MAX_PAYLOAD_BYTES: '4000000', HOOKRAIL_TOPIC_MAX_MESSAGE_BYTES: '4194304' });
    assert.equal(config.router.maxPayloadBytes, 4_000_000);
  });

  it('refuses min.insync.replicas above the replication factor', () => {
    const [problem] = problemsOf({ HOOKRAIL_TOPIC_MIN_INSYNC_REPLICAS: '2' });
    assert.match(problem!, /^topics\.minInsyncReplicas: expected at most the replication factor/);
    assert.equal(load({ HOOKRAIL_TOPIC_REPLICATION_FACTOR: '3', HOOKRAIL_TOPIC_MIN_INSYNC_REPLICAS: '2' }).topics.minInsyncReplicas, 2);
  });
});
