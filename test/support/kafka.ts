import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka, createLogger, type Logger } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { brokersFromEnv } from '../../scripts/broker.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The broker tests talk to: $KAFKA_BROKERS when set (the test runner sets it), otherwise the
 * project's own broker, started if it is not running (`scripts/kafka.sh start` is idempotent).
 */
export function testBrokers(): string[] {
  return brokersFromEnv();
}

export const testLogger: Logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');

export function testKafka(clientId = 'hookrail-test'): Kafka {
  return createKafka(
    { brokers: testBrokers(), clientId, connectionTimeoutMs: 3_000, requestTimeoutMs: 30_000, ssl: false },
    testLogger,
  );
}

/** A topic prefix no other test uses, so tests share one broker without seeing each other. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`;
}
