import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(benchRoot, '..');
export const resultsDir = join(benchRoot, 'results');

/** Where this run writes: bench/results/, or a subfolder for --quick and --experiment runs. */
export const output = { dir: resultsDir };
