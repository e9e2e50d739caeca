import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '@hookrail/shared';
import type { AttemptLogEntry } from './attempt.ts';
import { logDeadLetter } from './dead-letter-log.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('deliverer', 'info', stream) };
}

const entry = (overrides: Partial<AttemptLogEntry>): AttemptLogEntry => ({
  deliveryId: 'd-1',
  eventId: 'e-1',
  eventType: 'order.created',
  subscriptionId: 'warehouse',
  tier: 1,
  attempt: 1,
  outcome: 'dead-letter',
  http: true,
  durationMs: 1,
  attemptedAt: 0,
  eventTime: 0,
  firstAttemptAt: 0,
  origin: { topic: 't', partition: 0, offset: '0' },
  ...overrides,
});

describe('logDeadLetter', () => {
  it('logs a dead letter at warn with subscription, delivery id and reason', () => {
    const { lines, logger } = capture();
    logDeadLetter(logger, entry({ errorClass: 'invalid-url', reason: 'invalid-url; http:// URL refused: HTTPS is required' }));
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line!.level, 'warn');
    assert.equal(line!.subscriptionId, 'warehouse');
    assert.equal(line!.deliveryId, 'd-1');
    assert.match(String(line!.msg), /dead-lettered delivery d-1 of subscription warehouse after 1 attempt\(s\): invalid-url; http:\/\/ URL refused/);
  });

  it('names the HTTP status when there is no other reason, and logs nothing for other outcomes', () => {
    const { lines, logger } = capture();
    logDeadLetter(logger, entry({ status: 422, attempt: 5 }));
    logDeadLetter(logger, entry({ outcome: 'delivered' }));
    logDeadLetter(logger, entry({ outcome: 'retry' }));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.reason, 'HTTP 422');
    assert.equal(lines[0]!.status, 422);
  });
});
