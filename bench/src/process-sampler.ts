// Samples a service process while work runs: RSS and open sockets (its connection pools).
import { readdirSync, readlinkSync } from 'node:fs';
import type { ServiceProcess } from './services.ts';
import { sleep } from './stats.ts';

/** Open sockets of a process (TCP connections, listeners and the like), from /proc/<pid>/fd. */
export function openSockets(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return Number.NaN;
  }
}

/** Peak RSS (MiB) and peak open sockets of the process while `work` runs, sampled every 250 ms. */
export async function samplePeaks<T>(process: ServiceProcess, work: Promise<T>): Promise<{ result: T; peakRssMiB: number; peakSockets: number }> {
  let done = false;
  let peakRssMiB = 0;
  let peakSockets = 0;
  const sampling = (async () => {
    while (!done) {
      peakRssMiB = Math.max(peakRssMiB, process.memory()?.rssMiB ?? 0);
      peakSockets = Math.max(peakSockets, openSockets(process.pid) || 0);
      await sleep(250);
    }
  })();
  try {
    const result = await work;
    return { result, peakRssMiB: Math.max(peakRssMiB, process.memory()?.rssMiB ?? 0), peakSockets };
  } finally {
    done = true;
    await sampling;
  }
}
