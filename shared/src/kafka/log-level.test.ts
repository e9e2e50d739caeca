import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kafkaLogLevel, type KafkaLogLine } from './log-level.ts';

const line = (overrides: Partial<KafkaLogLine>): KafkaLogLine => ({ level: 'error', namespace: 'Producer', message: 'x', extra: {}, ...overrides });

describe('kafkaLogLevel', () => {
  it('logs a CONCURRENT_TRANSACTIONS response KafkaJS retries at debug', () => {
    const response = line({
      namespace: 'Connection',
      message: 'Response AddPartitionsToTxn(key: 24, version: 1)',
      extra: { error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing' },
    });
    assert.equal(kafkaLogLevel(response), 'debug');
  });

  it('logs sends and reconnects that KafkaJS will retry at debug', () => {
    assert.equal(kafkaLogLevel(line({ message: 'Failed to send messages: x', extra: { retryCount: 1, retryTime: 300 } })), 'debug');
    assert.equal(kafkaLogLevel(line({ namespace: 'BrokerPool', message: 'Failed to connect to broker, reconnecting', extra: { retryCount: 0 } })), 'debug');
  });

  it('keeps a consumer crash and restart at error', () => {
    assert.equal(kafkaLogLevel(line({ namespace: 'Consumer', message: 'Restarting the consumer in 300ms', extra: { retryCount: 1 } })), 'error');
    assert.equal(kafkaLogLevel(line({ namespace: 'Consumer', message: 'Crash: KafkaJSError: boom' })), 'error');
  });

  it('silences the default-partitioner notice', () => {
    assert.equal(kafkaLogLevel(line({ level: 'warn', namespace: 'KafkaJS', message: 'KafkaJS v2.0.0 switched default partitioner. To retain …' })), 'debug');
  });

  it('logs a lost connection at warn and KafkaJS info at debug', () => {
    assert.equal(kafkaLogLevel(line({ namespace: 'Connection', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' })), 'warn');
    assert.equal(kafkaLogLevel(line({ level: 'info', namespace: 'ConsumerGroup', message: 'Consumer has joined the group' })), 'debug');
  });
});
