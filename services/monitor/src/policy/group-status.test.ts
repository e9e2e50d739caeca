import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupIsActive, partitionStatus, worstStatus, type OffsetObservation } from './group-status.ts';

const obs = (rows: Array<[committed: number, end: number]>): OffsetObservation[] => rows.map(([committed, end], i) => ({ at: i * 1_000, committed, end }));
const status = (rows: Array<[number, number]>, extra: { active?: boolean; waiting?: boolean; windowSize?: number; tolerance?: number } = {}) =>
  partitionStatus({ window: obs(rows), windowSize: extra.windowSize ?? rows.length, active: extra.active ?? true, tolerance: extra.tolerance ?? 0, ...(extra.waiting ? { waiting: true } : {}) });

describe('Burrow-like partition status', () => {
  it('OK when the lag was zero at any observation of the window', () => {
    assert.equal(status([[10, 20], [20, 20], [20, 25]]), 'OK');
  });
  it('a transaction marker (lag 1) counts as zero with tolerance 1', () => {
    assert.equal(status([[10, 11], [10, 11], [10, 11]], { tolerance: 1 }), 'OK');
    assert.equal(status([[10, 11], [10, 11], [10, 11]]), 'STALLED');
  });
  it('STOPPED: lag and no active member', () => {
    assert.equal(status([[10, 20]], { active: false, windowSize: 5 }), 'STOPPED');
  });
  it('nothing concluded before the window is full', () => {
    assert.equal(status([[10, 20], [10, 20]], { windowSize: 5 }), 'OK');
  });
  it('STALLED: members, lag, committed offset not moving', () => {
    assert.equal(status([[10, 20], [10, 22], [10, 25]]), 'STALLED');
  });
  it('a retry partition waiting for its due time is OK', () => {
    assert.equal(status([[10, 20], [10, 20], [10, 20]], { waiting: true }), 'OK');
  });
  it('WARNING: moving but the lag grows at every observation', () => {
    assert.equal(status([[10, 20], [12, 25], [14, 30]]), 'WARNING');
    assert.equal(status([[10, 20], [12, 25], [20, 26]]), 'OK', 'lag went down');
  });
  it('a group is its worst partition; Empty and Dead groups are not active', () => {
    assert.equal(worstStatus(['OK', 'WARNING', 'STALLED', 'OK']), 'STALLED');
    assert.equal(worstStatus([]), 'OK');
    assert.equal(groupIsActive('Stable'), true);
    assert.equal(groupIsActive('PreparingRebalance'), true);
    assert.equal(groupIsActive('Empty'), false);
    assert.equal(groupIsActive('Dead'), false);
  });
});
