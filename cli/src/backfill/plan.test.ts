import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscriptionSchema, type BackfillProgress } from '@hookrail/shared';
import { describeProgress, sourceTopicsFor, startDecision, type StartRequest } from './plan.ts';

const NOW = Date.UTC(2026, 10, 30, 12);
const request = (more: Partial<StartRequest> = {}): StartRequest => ({ kind: 'backfill', subscriptionId: 'billing', resume: false, restart: false, ...more });
const progress = (done: boolean): BackfillProgress => ({
  key: 'backfill/billing',
  id: 'backfill-billing-1',
  kind: 'backfill',
  subscriptionId: 'billing',
  since: NOW - 3_600_000,
  until: null,
  startedAt: NOW - 60_000,
  updatedAt: NOW - 1_000,
  ranges: [{ topic: 'shop', partition: 0, start: 0, end: 1000, next: done ? 1000 : 412 }],
  read: 412,
  routed: 120,
  undecodable: 0,
  done,
});
const subscription = (topics?: string[]) =>
  subscriptionSchema.parse({ id: 'billing', source: 's', destination: 'd', url: 'https://x.example', eventTypes: ['*'], tier: 2, secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`], ...(topics ? { topics } : {}) });

describe('starting a backfill', () => {
  it('starts a new one from --since when none is unfinished', () => {
    assert.deepEqual(startDecision(undefined, request({ since: NOW - 1 }), NOW), { start: 'new', since: NOW - 1 });
    assert.deepEqual(startDecision(progress(true), request({ since: NOW - 1 }), NOW), { start: 'new', since: NOW - 1 });
  });

  it('resumes the unfinished one with --resume, and says so when there is none', () => {
    const unfinished = progress(false);
    assert.deepEqual(startDecision(unfinished, request({ resume: true }), NOW), { start: 'resume', progress: unfinished });
    assert.match((startDecision(progress(true), request({ resume: true }), NOW) as { refuse: string }).refuse, /no unfinished backfill of billing to resume/);
  });

  it('refuses to start over an unfinished one unless --restart, naming how far it got', () => {
    const refused = startDecision(progress(false), request({ since: NOW - 1 }), NOW) as { refuse: string };
    assert.match(refused.refuse, /billing has an unfinished backfill \(backfill-billing-1, 412\/1000 offsets read \(41 %\), 120 routed\): continue it with --resume, or start a new one with --restart/);
    assert.deepEqual(startDecision(progress(false), request({ since: NOW - 1, restart: true }), NOW), { start: 'new', since: NOW - 1 });
  });

  it('refuses a missing, future or empty window in words', () => {
    assert.match((startDecision(undefined, request(), NOW) as { refuse: string }).refuse, /--since is required/);
    assert.match((startDecision(undefined, request({ since: NOW + 1 }), NOW) as { refuse: string }).refuse, /--since is in the future/);
    assert.match((startDecision(undefined, request({ since: NOW - 10, until: NOW - 20 }), NOW) as { refuse: string }).refuse, /--until .* is not after --since/);
  });

  it('describes progress as offsets read and deliveries routed', () => {
    assert.equal(describeProgress(progress(false)), '412/1000 offsets read (41 %), 120 routed');
  });
});

describe('the source topics of a backfill', () => {
  it('reads the topics the subscription names, else the router\'s by list and pattern', () => {
    assert.deepEqual(sourceTopicsFor(subscription(['b']), { sourceTopics: ['a'] }, ['a', 'b']), { topics: ['b'] });
    assert.deepEqual(sourceTopicsFor(subscription(), { sourceTopics: ['a'], sourcePattern: '^shop\\.' }, ['a', 'shop.x', 'other']), { topics: ['a', 'shop.x'] });
  });

  it('refuses when there are none, or one does not exist', () => {
    assert.match((sourceTopicsFor(subscription(), { sourceTopics: [] }, []) as { refuse: string }).refuse, /no source topics to read for billing/);
    assert.match((sourceTopicsFor(subscription(['gone']), { sourceTopics: [] }, ['a']) as { refuse: string }).refuse, /source topic gone does not exist/);
  });
});
