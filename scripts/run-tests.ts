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

const patterns = process.argv.slice(2).length > 0
  ? process.argv.slice(2)
  : ['shared/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'cli/src/**/*.test.ts', 'bench/src/**/*.test.ts', 'test/**/*.test.ts'];
const started = Date.now();
const result = spawnSync(
  process.execPath,
  ['--disable-warning=TimeoutNegativeWarning', '--test', '--test-force-exit', '--test-concurrency=1', '--test-timeout=600000', ...patterns],
  { cwd: root, stdio: 'inherit', env: process.env },
);
console.log(`test run took ${((Date.now() - started) / 1_000).toFixed(1)} s`);

if (startedBroker) execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
