// Experiment (not a change to the services): loaded with `node --import`, it caps what each
// KafkaJS consumer fetches at once (maxBytes 2 MiB, maxBytesPerPartition 512 KiB, instead of
// 10 MiB and 1 MiB), the change proposed in docs/performance.md for bounded memory with a
// backlog. Measured with `npm run bench -- --scenario memory --experiment fetch-cap`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as { Kafka: { prototype: { consumer(config?: Record<string, unknown>): unknown } } };
const original = kafkajs.Kafka.prototype.consumer;
kafkajs.Kafka.prototype.consumer = function consumer(this: unknown, config: Record<string, unknown> = {}) {
  return original.call(this, { maxBytes: 2 * 1024 * 1024, maxBytesPerPartition: 512 * 1024, ...config });
};
