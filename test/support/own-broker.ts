import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './kafka.ts';

/** A broker of a test's own (its own data folder and ports), to stop, kill and restart. */
export function ownBroker(name: string, port: number) {
  const home = mkdtempSync(join(tmpdir(), `hookrail-${name}-`));
  // A loaded machine (CI, stress-ng) can take minutes to start a JVM: the start waits longer than the script's 90 s.
  const env = { KAFKA_START_TIMEOUT: '300', ...process.env, KAFKA_HOME_DIR: home, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) };
  const script = (command: string) => execFileSync('bash', [join(repoRoot, 'scripts/kafka.sh'), command], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    address: `127.0.0.1:${port}`,
    start: () => void script('start'),
    stop: () => void script('stop'),
    /** Stop and start without blocking this process (receivers living in it keep answering meanwhile). */
    async restart() {
      for (const command of ['stop', 'start']) await promisify(execFile)('bash', [join(repoRoot, 'scripts/kafka.sh'), command], { env });
    },
    kill: () => process.kill(Number(readFileSync(join(home, 'kafka.pid'), 'utf8')), 'SIGKILL'),
    /** Stops the broker and deletes its data, whatever state it is in. */
    remove() {
      try {
        script('stop');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}
