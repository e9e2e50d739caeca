import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Recovery, RequestRate } from './recovery.ts';

const settings = { rateFactor: 2, minRatePerSecond: 1, quietMs: 10_000, maxMs: 60_000 };

/** `perSecond` requests a second from `from` for `seconds`, evenly spread. */
function traffic(target: { request(now: number): void } | RequestRate, from: number, seconds: number, perSecond: number) {
  for (let i = 0; i < seconds * perSecond; i++) ('request' in target ? target.request(from + (i * 1_000) / perSecond) : target.record(from + (i * 1_000) / perSecond));
}

describe('request rate', () => {
  it('counts requests per second over the last minute, or since the first request', () => {
    const rate = new RequestRate();
    traffic(rate, 0, 5, 10);
    assert.equal(Math.round(rate.perSecond(4_999)), 10);
    traffic(rate, 5_000, 120, 4);
    assert.equal(Math.round(rate.perSecond(124_999)), 4, 'the first 10/s left the window');
  });
});

describe('recovery after an outage', () => {
  it('caps the release at twice the rate before the outage until demand is back to normal for the quiet period', () => {
    const r = new Recovery(settings);
    traffic(r, 0, 30, 40);
    r.outage(30_000);
    assert.equal(r.cap(40_000), undefined, 'not recovering while open');
    r.begin(90_000);
    assert.equal(Math.round(r.cap(90_000)!), 80);
    traffic(r, 90_000, 20, 80); // the backlog drains at the cap
    assert.equal(Math.round(r.cap(110_000)!), 80, 'still at twice normal: still recovering');
    traffic(r, 110_000, 10, 40);
    assert.equal(r.cap(120_000), undefined, 'back to 40/s for 10 s: recovered');
  });

  it('ends after maxMs whatever the demand, and never caps below the floor', () => {
    const r = new Recovery(settings);
    r.outage(0);
    r.begin(0);
    assert.equal(r.cap(1), 1, 'no traffic before: the floor');
    traffic(r, 0, 60, 50);
    assert.equal(r.cap(60_000), undefined);
  });

  it('opening again while recovering keeps the normal rate from before the first outage', () => {
    const r = new Recovery(settings);
    traffic(r, 0, 30, 40);
    r.outage(30_000);
    r.begin(60_000);
    traffic(r, 60_000, 2, 5);
    r.outage(62_000);
    r.begin(92_000);
    assert.equal(Math.round(r.cap(92_000)!), 80);
  });
});
