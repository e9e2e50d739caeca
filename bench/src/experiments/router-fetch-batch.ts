// Experiment (not a change to the services): loaded with `node --import`, it makes the router's
// consumer wait for 16 KiB or 5 ms per fetch (instead of 1 byte or 100 ms): at a steady rate an
// upstream producer that does not batch gets one fetch per record or two otherwise, each a
// request the broker and the router pay for. Measured with
// `npm run bench -- --scenario latency --experiment router-fetch-batch`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as { Kafka: { prototype: { consumer(config?: Record<string, unknown>): unknown } } };
const original = kafkajs.Kafka.prototype.consumer;
kafkajs.Kafka.prototype.consumer = function consumer(this: unknown, config: Record<string, unknown> = {}) {
  const isRouter = typeof config.groupId === 'string' && config.groupId.endsWith('-router');
  return original.call(this, isRouter ? { ...config, minBytes: 16 * 1024, maxWaitTimeInMs: 5 } : config);
};
