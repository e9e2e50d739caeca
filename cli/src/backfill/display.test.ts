import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressDisplay } from './display.ts';
import type { BackfillProgress } from '@hookrail/shared';

const at = (next: number, done = false): BackfillProgress => ({
  key: 'backfill/b',
  id: 'x',
  kind: 'backfill',
  subscriptionId: 'b',
  since: 0,
  until: null,
  startedAt: 0,
  updatedAt: 0,
  ranges: [{ topic: 't', partition: 0, start: 0, end: 100, next }],
  read: next,
  routed: next / 2,
  undecodable: 0,
  done,
});

describe('backfill progress on stderr', () => {
  it('draws a bar in place on a terminal', () => {
    const out: string[] = [];
    const display = progressDisplay({ isTTY: true, write: (t) => out.push(t) }, 'backfill b');
    display.update(at(50));
    display.end();
    assert.match(out[0]!, /^\rbackfill b \[=+ +\]  50\/100  50 % 25 routed$/);
    assert.equal(out[1], '\n');
  });

  it('prints plain lines when piped, at most one a second, and always the last', () => {
    const out: string[] = [];
    let clock = 0;
    const display = progressDisplay({ write: (t) => out.push(t) }, 'backfill b', () => clock);
    display.update(at(10));
    clock = 500;
    display.update(at(20));
    clock = 1_200;
    display.update(at(30));
    display.update(at(100, true));
    display.update(at(100, true));
    assert.deepEqual(out, [
      'backfill b: 10/100 offsets read (10 %), 5 routed\n',
      'backfill b: 30/100 offsets read (30 %), 15 routed\n',
      'backfill b: 100/100 offsets read (100 %), 50 routed\n',
    ]);
  });
});
