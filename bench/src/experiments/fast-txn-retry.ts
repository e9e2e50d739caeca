// Experiment (not a change to the services): loaded into a service with `node --import`, it
// gives KafkaJS transactional producers a 20 ms first retry instead of the client-wide 200 ms
// (shared/src/kafka/client.ts). After a commit, the coordinator answers the next
// transaction's AddPartitionsToTxn with CONCURRENT_TRANSACTIONS until its markers are
// written (a few ms); KafkaJS then waits a whole retry interval. The Java producer backs off
// 20 ms in that case. `npm run bench -- --experiment fast-txn-retry` measures the effect.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as { Kafka: { prototype: { producer(config?: Record<string, unknown>): unknown } } };
const original = kafkajs.Kafka.prototype.producer;
kafkajs.Kafka.prototype.producer = function producer(this: unknown, config: Record<string, unknown> = {}) {
  if (config.transactionalId && !config.retry) {
    config = { ...config, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 20, maxRetryTime: 5_000 } };
  }
  return original.call(this, config);
};
