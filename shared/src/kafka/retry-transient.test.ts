import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { isTransientKafkaError, retryTransient } from './retry-transient.ts';

const { KafkaJSProtocolError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = kafkajs;

// The errors KafkaJS raises, built the way it builds them (from a protocol error entry).
const protocolError = (entry: { type: string; code: number; retriable: boolean; message: string }) =>
  new KafkaJSProtocolError(entry as unknown as Error);
const notLeader = () => protocolError({ type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true, message: 'This server is not the leader for that topic-partition' });
const loading = () => protocolError({ type: 'GROUP_LOAD_IN_PROGRESS', code: 14, retriable: true, message: "The coordinator is loading and hence can't process requests for this group" });
const denied = () => protocolError({ type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false, message: 'Not authorized to access topics' });

describe('retryTransient', () => {
  it('knows leadership and coordinator errors, also wrapped after KafkaJS gave up its own retries', () => {
    assert.ok(isTransientKafkaError(notLeader()));
    assert.ok(isTransientKafkaError(loading()));
    const exhausted = new KafkaJSNumberOfRetriesExceeded(notLeader(), { retryCount: 5, retryTime: 1000 });
    assert.ok(isTransientKafkaError(exhausted));
    assert.ok(!isTransientKafkaError(denied()));
    assert.ok(!isTransientKafkaError(new KafkaJSNonRetriableError(denied())));
    assert.ok(!isTransientKafkaError(new Error('boom')));
  });

  it('retries a transient failure with growing waits, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryTransient(
      'reading',
      async () => {
        calls++;
        if (calls < 4) throw notLeader();
        return 'done';
      },
      { initialDelayMs: 100, maxDelayMs: 300, sleep: async (ms) => void waits.push(ms) },
    );
    assert.equal(result, 'done');
    assert.deepEqual(waits, [100, 200, 300]);
  });

  it('gives up after the last attempt with an error naming the step and the cause', async () => {
    let calls = 0;
    await assert.rejects(
      retryTransient('reading the end offsets of hookrail.subscriptions', async () => {
        calls++;
        throw loading();
      }, { attempts: 3, sleep: async () => undefined }),
      /^Error: reading the end offsets of hookrail\.subscriptions failed 3 times on a transient broker error, giving up: The coordinator is loading/,
    );
    assert.equal(calls, 3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await assert.rejects(retryTransient('x', async () => {
      calls++;
      throw denied();
    }, { sleep: async () => undefined }), /Not authorized/);
    assert.equal(calls, 1);
  });
});
