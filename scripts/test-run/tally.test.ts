import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { countProblems, reported, tally, type CountEvent } from './tally.ts';

const here = import.meta.dirname;

/** Runs `node --test` on fixture files with the count reporter and returns its events. */
function run(...fixtures: string[]): CountEvent[] {
  const destination = join(mkdtempSync(join(tmpdir(), 'hookrail-count-')), 'events.ndjson');
  // Without NODE_TEST_CONTEXT: that would make the inner run report to this test's runner.
  const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
  spawnSync(process.execPath, ['--test', `--test-reporter=${join(here, 'count-reporter.ts')}`, `--test-reporter-destination=${destination}`, ...fixtures.map((f) => join(here, 'fixtures', f))], { stdio: 'ignore', env });
  return readFileSync(destination, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as CountEvent);
}

describe('the count check on real node --test runs', () => {
  it('counts a complete file: every declared test has its result', () => {
    const [file] = [...tally(run('complete.ts')).values()];
    assert.deepEqual({ declared: file!.declared, passed: file!.passed, skipped: file!.skipped, todo: file!.todo, failed: file!.failed, ownCount: file!.ownCount }, { declared: 6, passed: 4, skipped: 1, todo: 1, failed: 0, ownCount: 6 });
    assert.equal(reported(file!), 6);
    assert.deepEqual(countProblems(file!), []);
  });

  it('flags a file whose process ended before it reported everything, though node --test passes it', () => {
    const [file] = [...tally(run('exits-early.ts')).values()];
    assert.equal(file!.declared, 3);
    assert.equal(reported(file!), 1);
    const problems = countProblems(file!);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /exits-early\.ts: its process ended before it reported all its results \(1 of 3 declared tests reported\)$/);
    assert.match(problems[1]!, /3 declared tests or suites have no result \("cut short", "second", "third"\)$/);
  });

  it('flags a file that cannot load, with its error', () => {
    const [file] = [...tally(run('cannot-load.ts')).values()];
    assert.equal(file!.ended?.ok, false);
    assert.match(countProblems(file!)[0]!, /cannot-load\.ts: its process ended before it reported all its results \(0 of 0 declared tests reported\)/);
  });

  it('keeps files apart when several run in one process pool', () => {
    const files = tally(run('complete.ts', 'exits-early.ts'));
    assert.deepEqual([...files.values()].map((t) => [t.file.split('/').at(-1), t.declared, reported(t), countProblems(t).length]).sort(), [['complete.ts', 6, 6, 0], ['exits-early.ts', 3, 1, 2]]);
  });
});

describe('tally', () => {
  it('matches results with declarations by file and id, suites apart', () => {
    const events: CountEvent[] = [
      { type: 'declared', file: 'a', id: 1, name: 's', suite: true },
      { type: 'declared', file: 'a', id: 2, name: 't', suite: false },
      { type: 'declared', file: 'b', id: 2, name: 'u', suite: false },
      { type: 'failed', file: 'a', id: 2, name: 't', suite: false, skip: false, todo: false },
      { type: 'passed', file: 'a', id: 1, name: 's', suite: true, skip: false, todo: false },
      { type: 'summary', file: 'a', tests: 1 },
      { type: 'summary', file: 'b', tests: 1 },
    ];
    const files = tally(events);
    assert.deepEqual(countProblems(files.get('a')!), []);
    assert.equal(files.get('a')!.failed, 1);
    assert.deepEqual(countProblems(files.get('b')!), ['b: the file counted 1 tests, 0 results reached the runner', 'b: 1 declared tests or suites have no result ("u")']);
  });
});
