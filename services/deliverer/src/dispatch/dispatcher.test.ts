import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDispatcher } from './dispatcher.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('dispatcher', () => {
  it('bounds each subscription on its own', async () => {
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const releases: Array<() => void> = [];
    const dispatcher = createDispatcher({ limitFor: (id) => (id === 'slow' ? 2 : 5) });
    for (let i = 0; i < 10; i++) {
      for (const id of ['slow', 'fast']) {
        dispatcher.submit({
          subscriptionId: id,
          dueAt: 0,
          run: async () => {
            running.set(id, (running.get(id) ?? 0) + 1);
            peak.set(id, Math.max(peak.get(id) ?? 0, running.get(id)!));
            await new Promise<void>((resolve) => releases.push(resolve));
            running.set(id, running.get(id)! - 1);
          },
        });
      }
    }
    await tick(5);
    assert.equal(running.get('slow'), 2);
    assert.equal(running.get('fast'), 5);
    while (dispatcher.pending > 0) {
      releases.splice(0).forEach((release) => release());
      await tick(1);
    }
    assert.equal(peak.get('slow'), 2);
    assert.equal(peak.get('fast'), 5);
  });

  it('never starts a job before it is due', async () => {
    const dispatcher = createDispatcher({ limitFor: () => 10 });
    const started: number[] = [];
    const dueAt = Date.now() + 50;
    dispatcher.submit({ subscriptionId: 's', dueAt, run: async () => void started.push(Date.now()) });
    await tick(20);
    assert.equal(started.length, 0);
    await tick(60);
    assert.equal(started.length, 1);
    assert.ok(started[0]! >= dueAt);
  });

  it('drain waits for running jobs and drops waiting ones', async () => {
    const dispatcher = createDispatcher({ limitFor: () => 1 });
    let finished = 0;
    for (let i = 0; i < 3; i++) {
      dispatcher.submit({ subscriptionId: 's', dueAt: 0, run: async () => void (await tick(20), finished++) });
    }
    dispatcher.submit({ subscriptionId: 't', dueAt: Date.now() + 10_000, run: async () => void finished++ });
    assert.equal(await dispatcher.drain(1_000), true);
    assert.equal(finished, 1, 'only the running job finished');
  });
});
