import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedRecord, type Delivery } from '@hookrail/shared';
import type { DeadLetter } from './dead-letter.ts';
import type { ReplayMark } from './replay-log.ts';
import { selectForReplay } from './replay.ts';

const letter = (key: string, delivery: Delivery | MalformedRecord = { deliveryId: key } as Delivery): DeadLetter => ({
  partition: 0,
  offset: key,
  key,
  headers: {},
  payload: null,
  letter: { error: 'exhausted', detail: '', delivery, about: {} },
  at: 0,
});
const mark: ReplayMark = { replayedAt: 1, times: 1, deliveryId: 'x', subscriptionId: 's', topic: 't' };

describe('selectForReplay', () => {
  const letters = [letter('0/1'), letter('0/2'), letter('0/3', new MalformedRecord('delivery', 'missing header hookrail-tier'))];
  const marks = new Map([['0/1', mark]]);

  it('leaves out what was replayed before, and says how many', () => {
    const selection = selectForReplay(letters, marks, false);
    assert.deepEqual(selection.chosen.map((l) => l.key), ['0/2']);
    assert.equal(selection.alreadyReplayed, 1);
    assert.equal(selection.unreadable, 1);
  });

  it('takes them again with --again', () => {
    const selection = selectForReplay(letters, marks, true);
    assert.deepEqual(selection.chosen.map((l) => l.key), ['0/1', '0/2']);
    assert.equal(selection.alreadyReplayed, 0);
  });
});
