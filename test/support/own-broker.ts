import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restartBroker, startBroker, stopBroker } from '../../scripts/broker.ts';
import { exitOnSignal } from './exit-on-signal.ts';

/**
 * A broker of a test's own (its own data folder and ports), to stop, kill and restart. If the
 * test process ends without `remove()`, an exit hook kills the broker and deletes its data.
 */
export function ownBroker(name: string, port: number) {
  const home = mkdtempSync(join(tmpdir(), `hookrail-${name}-`));
  // A loaded machine (CI, stress-ng) can take minutes to start a JVM: the start waits longer than the script's 90 s.
  const place = { home, port, startTimeoutS: 300 };
  const pid = (): number | undefined => {
    try {
      return Number(readFileSync(join(home, 'kafka.pid'), 'utf8')) || undefined;
    } catch {
      return undefined;
    }
  };
  // Running and ours: not a zombie (dead, not yet reaped), not a reused pid.
  const alive = (p: number | undefined) => {
    try {
      return p !== undefined && !/\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8')) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(home);
    } catch {
      return false;
    }
  };
  const lastResort = () => {
    const p = pid();
    if (alive(p)) process.kill(p!, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  };
  process.on('exit', lastResort);
  exitOnSignal();
  return {
    address: `127.0.0.1:${port}`,
    start: () => void startBroker(place),
    stop: () => stopBroker(place),
    /** Stop and start without blocking this process (receivers living in it keep answering meanwhile). */
    restart: () => restartBroker(place),
    /** SIGKILL (a crash); resolves once the process is gone. */
    async kill() {
      const p = pid();
      if (!alive(p)) throw new Error(`the ${name} broker is not running`);
      process.kill(p!, 'SIGKILL');
      while (alive(p)) await sleep(50);
    },
    /** Stops the broker and deletes its data, whatever state it is in. */
    remove() {
      try {
        stopBroker(place);
      } finally {
        lastResort();
        process.off('exit', lastResort);
      }
    },
  };
}
