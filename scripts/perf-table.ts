// npm run perf-table: writes the README's Performance table from bench/results/*.json,
// between its markers (bench/src/perf-table.ts); `--check` only says whether it is current.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { perfTable, readResults, resultNames, tableIn, withTable } from '../bench/src/perf-table.ts';
import { repoRoot, resultsDir } from '../bench/src/paths.ts';

const readmeFile = join(repoRoot, 'README.md');
const readme = readFileSync(readmeFile, 'utf8');
const table = perfTable(readResults(resultsDir, resultNames(resultsDir, readdirSync(resultsDir))));
if (process.argv.includes('--check')) {
  const current = tableIn(readme) === table;
  process.stdout.write(current ? 'README.md Performance table matches bench/results\n' : 'README.md Performance table differs from bench/results: run `npm run perf-table`\n');
  process.exit(current ? 0 : 1);
}
writeFileSync(readmeFile, withTable(readme, table));
process.stdout.write(`README.md Performance table written from bench/results (${table.split('\n').length - 2} rows)\n`);
