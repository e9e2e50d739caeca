import { beforeAfterReport, parsePeriod } from '@hookrail/monitor';
import type { Command } from 'commander';
import { connectedContext, type GlobalOptions } from '../context.ts';
import { examples } from '../help.ts';

/** `hookrail report BEFORE AFTER`: error rate, queue-length stability and latency, before vs after. */
export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('compare two periods: saved /status snapshots (files) or attempt-topic time ranges (FROM..TO)')
    .argument('<before>', 'a saved /status JSON file, or FROM..TO (ISO time, epoch ms, "now", "-2h")')
    .argument('<after>', 'the same for the period after the change')
    .option('--json', 'print the summaries and rows as JSON')
    // Relative ranges start with "-" (-2h..-1h): they are periods, not options.
    .allowUnknownOption()
    .addHelpText('after', examples('hookrail report -2h..-1h -1h..now', 'hookrail report before.json after.json --json'))
    .action(async (before: string, after: string, options: { json?: boolean }) => {
      const report = await beforeAfterReport(parsePeriod(before), parsePeriod(after), async () => {
        const { kafka, topics } = await connectedContext(program.opts<GlobalOptions>());
        return { kafka, topic: topics.attempts };
      });
      console.log(options.json ? JSON.stringify(report, null, 2) : report.text);
    });
}
