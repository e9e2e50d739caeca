import { progressBar } from '../dlq/pace.ts';
import type { BackfillProgress } from '@hookrail/shared';
import { describeProgress } from './plan.ts';
import { readOffsets, totalOffsets } from './window.ts';

/**
 * Progress on stderr: a bar redrawn in place on a terminal; piped, a plain line at most every
 * `everyMs` (and the last one, once), so logs stay readable. The clock is passed in.
 */
export function progressDisplay(stream: { isTTY?: boolean; write(text: string): unknown }, label: string, now: () => number = Date.now, everyMs = 1_000) {
  let lastLineAt = -Infinity;
  let lastLine = '';
  let drawn = false;
  return {
    update(progress: BackfillProgress): void {
      if (stream.isTTY) {
        stream.write(`\r${label} ${progressBar(readOffsets(progress.ranges), totalOffsets(progress.ranges))} ${progress.routed} routed`);
        drawn = true;
        return;
      }
      const line = `${label}: ${describeProgress(progress)}\n`;
      if (line === lastLine || (!progress.done && now() - lastLineAt < everyMs)) return;
      lastLineAt = now();
      lastLine = line;
      stream.write(line);
    },
    end(): void {
      if (drawn) stream.write('\n');
    },
  };
}
