import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEAD_LETTER_ERROR_CLASSES, H } from '@hookrail/shared';
import { Command } from 'commander';
import { dlqCommand } from '../commands/dlq.ts';
import { oneOf } from '../options.ts';
import { deadLetterOf, type DeadLetter } from './dead-letter.ts';
import { ERROR_CLASSES, matchesFilter } from './filter.ts';

/** A DLQ record as the deliverer writes it (headers as text), read the way inspect and replay read it. */
const letter = (headers: Record<string, string | undefined>, at = 1_000): DeadLetter => {
  const all = { [H.subscriptionId]: 'billing', [H.eventType]: 'invoice.paid', [H.error]: 'permanent', [H.status]: '422', [H.deliveryId]: 'd-1', [H.lastAttemptAt]: String(at), ...headers };
  const message = { key: null, value: Buffer.from('{}'), headers: all, offset: '7', timestamp: '0', attributes: 0 };
  return deadLetterOf(0, message);
};

describe('matchesFilter', () => {
  it('matches everything when no filter is given', () => {
    assert.ok(matchesFilter(letter({}), {}));
  });

  it('matches any of the values given for one field', () => {
    assert.ok(matchesFilter(letter({}), { subscription: ['crm', 'billing'] }));
    assert.ok(!matchesFilter(letter({}), { subscription: ['crm'] }));
    assert.ok(matchesFilter(letter({}), { status: [500, 422] }));
    assert.ok(!matchesFilter(letter({}), { status: [500] }));
    assert.ok(matchesFilter(letter({}), { deliveryId: ['d-1'] }));
    assert.ok(!matchesFilter(letter({}), { error: ['exhausted'] }));
  });

  it('matches event types by the subscription patterns', () => {
    assert.ok(matchesFilter(letter({}), { eventType: ['invoice.*'] }));
    assert.ok(matchesFilter(letter({}), { eventType: ['*'] }));
    assert.ok(!matchesFilter(letter({}), { eventType: ['order.*'] }));
  });

  it('needs every field given to match, and a time range is from inclusive to exclusive', () => {
    assert.ok(!matchesFilter(letter({}), { subscription: ['billing'], error: ['gone'] }));
    assert.ok(matchesFilter(letter({}, 1_000), { since: 1_000, until: 2_000 }));
    assert.ok(!matchesFilter(letter({}, 2_000), { since: 1_000, until: 2_000 }));
    assert.ok(!matchesFilter(letter({}, 999), { since: 1_000 }));
  });

  it('does not match a status filter when the letter has no HTTP status', () => {
    const noStatus = letter({ [H.status]: undefined });
    assert.ok(!matchesFilter(noStatus, { status: [422] }));
  });

  it('filters by every class the deliverer writes, internal and parked among them', () => {
    for (const error of ['internal', 'parked', 'malformed-delivery', 'unwritable', 'circuit-open'] as const) {
      assert.ok(matchesFilter(letter({ [H.error]: error }), { error: [error] }), error);
      assert.ok(!matchesFilter(letter({}), { error: [error] }), error);
    }
  });
});

describe('dlq --error', () => {
  it('accepts every dead-letter class (the CLI derives its list from the records module)', () => {
    assert.deepEqual(ERROR_CLASSES, DEAD_LETTER_ERROR_CLASSES);
    assert.deepEqual(oneOf(ERROR_CLASSES)('internal'), ['internal']);
    assert.deepEqual(oneOf(ERROR_CLASSES)('parked', ['internal']), ['internal', 'parked']);
  });

  it('lets `dlq inspect --error internal --error parked` through the command line parser', () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    dlqCommand(program);
    const inspect = program.commands.find((c) => c.name() === 'dlq')!.commands.find((c) => c.name() === 'inspect')!;
    inspect.action(() => {}); // parse only: no broker
    program.parse(['dlq', 'inspect', '--error', 'internal', '--error', 'parked'], { from: 'user' });
    assert.deepEqual(inspect.opts().error, ['internal', 'parked']);
    assert.throws(() => program.parse(['dlq', 'inspect', '--error', 'nope'], { from: 'user' }), /expected one of exhausted, permanent/);
  });
});
