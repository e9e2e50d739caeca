import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runJob } from './job.ts';

// Without NODE_TEST_CONTEXT: that would make the inner run report to this test's runner.
const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
const options = { cwd: import.meta.dirname, env, nodeFlags: ['--test'], lingerMs: 1_000, timeLimitMs: 60_000 };

describe('runJob', () => {
  it('stops a file that passed but left something open, and names it', async () => {
    const file = join(import.meta.dirname, 'fixtures', 'leaves-open.ts');
    const outcome = await runJob({ name: 'leaves-open', patterns: [file] }, options);
    assert.deepEqual(outcome.lingered, [file]);
    assert.ok(outcome.wallMs < 30_000, `stopped after ${outcome.wallMs} ms`);
  });

  it('lets a file that closes everything end by itself', async () => {
    const outcome = await runJob({ name: 'complete', patterns: [join(import.meta.dirname, 'fixtures', 'complete.ts')] }, options);
    assert.deepEqual([outcome.code, outcome.lingered, outcome.timedOut, outcome.leftProcesses], [0, [], false, false]);
  });
});
