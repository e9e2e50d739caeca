// The test command: type-checked sources are already done by `npm test`; this runs every
// unit test and every integration test against a real broker. It uses $KAFKA_BROKERS when
// set; otherwise it starts the project's broker and stops it afterwards if it started it.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kafkaScript = join(root, 'scripts/kafka.sh');

let startedBroker = false;
if (!process.env.KAFKA_BROKERS) {
  const running = spawnSync('bash', [kafkaScript, 'status'], { stdio: 'ignore' }).status === 0;
  const output = execFileSync('bash', [kafkaScript, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.env.KAFKA_BROKERS = output.trim().split('\n').at(-1)!;
  startedBroker = !running;
}
console.log(`tests use the Kafka broker at ${process.env.KAFKA_BROKERS}`);

const unitPatterns = ['shared/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'cli/src/**/*.test.ts', 'bench/src/**/*.test.ts'];
const integrationPatterns = ['test/**/*.test.ts'];
const given = process.argv.slice(2);
const flags = ['--disable-warning=TimeoutNegativeWarning', '--test', '--test-concurrency=1', '--test-timeout=600000'];
const run = (patterns: string[], options: { forceExit: boolean }) =>
  spawnSync(process.execPath, [...flags, ...(options.forceExit ? ['--test-force-exit'] : []), ...patterns], { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;
const started = Date.now();
// Unit tests run without --test-force-exit: with it, a file's process can exit before all of
// its results reach the runner, and those tests are silently missing from the count (measured:
// 663, 636 and 621 of 663 unit tests in three runs). They are pure and leave nothing open.
// Integration tests keep it: a broker client or child process left open by a failed test must
// not hang the run (their exit hooks kill what they started).
const status = given.length > 0 ? run(given, { forceExit: true }) : Math.max(run(unitPatterns, { forceExit: false }), run(integrationPatterns, { forceExit: true }));
console.log(`test run took ${((Date.now() - started) / 1_000).toFixed(1)} s`);

if (startedBroker) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' });
process.exit(status);
