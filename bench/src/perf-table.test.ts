import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, resultsDir } from './paths.ts';
import { END_MARKER, perfTable, readResults, resultNames, START_MARKER, tableIn, withTable, type ResultFile } from './perf-table.ts';

const result = (scenario: string, more: Partial<ResultFile> = {}): ResultFile => ({
  scenario,
  title: scenario,
  startedAt: '2026-11-30T14:00:00.000Z',
  loadAverage: { before: [3.14, 2, 1] },
  tables: [],
  data: {},
  ...more,
});

describe('README performance table', () => {
  it('is what `npm run perf-table` generates from the committed bench/results', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const generated = perfTable(readResults(resultsDir, resultNames(resultsDir, readdirSync(resultsDir))));
    assert.equal(tableIn(readme), generated, 'README.md and bench/results disagree: run `npm run perf-table`');
  });

  it('gives each row the date and load average of its run', () => {
    const table = perfTable([result('retry', { tables: [{ title: 't', head: ['p99', 'early'], rows: [['73.0', 0]] }], targets: [{ target: 't', measured: 'm', met: true }] })]);
    assert.match(table, /^\| retry lateness p99 under load \| 73 ms, none early \| ≤ 250 ms: met \| 2026-11-30, load 3\.1 \|$/m);
  });

  it('shows a scenario it has no row for by its targets', () => {
    const table = perfTable([result('peers', { targets: [{ target: 'hookrail ≥ Kafka Connect', measured: '1.4×', met: true }] })]);
    assert.match(table, /^\| peers: hookrail ≥ Kafka Connect \| 1\.4× \| met \| 2026-11-30, load 3\.1 \|$/m);
  });

  it('replaces only what is between the markers, and says when they are missing', () => {
    const readme = `# x\n## Performance\n${START_MARKER}\nold\n${END_MARKER}\n## Next\n`;
    assert.equal(withTable(readme, 'new'), `# x\n## Performance\n${START_MARKER}\nnew\n${END_MARKER}\n## Next\n`);
    assert.throws(() => withTable('# x\n', 'new'), /README\.md has no .* markers in its Performance section/);
  });
});
