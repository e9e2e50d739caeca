import { ensureTopics, hookrailTopicSpecs } from '@hookrail/shared';
import type { Command } from 'commander';
import { cliContext, type GlobalOptions } from '../context.ts';

export function topicsCommand(program: Command): void {
  const topics = program.command('topics').description('create or verify the hookrail topics');
  for (const [name, create] of [['create', true], ['verify', false]] as const) {
    topics
      .command(name)
      .description(create ? 'create missing topics, verify existing ones' : 'verify the topics; exit 1 on any error')
      .action(async () => {
        const { config, kafka } = cliContext(program.opts<GlobalOptions>());
        const admin = kafka.admin();
        await admin.connect();
        try {
          const report = await ensureTopics(admin, hookrailTopicSpecs(config), { create });
          for (const topic of report.created) console.log(`created  ${topic}`);
          for (const topic of report.verified) console.log(`ok       ${topic}`);
          for (const problem of report.problems) console.log(`${problem.severity.padEnd(8)} ${problem.message}`);
          if (report.problems.some((p) => p.severity === 'error')) process.exitCode = 1;
        } finally {
          await admin.disconnect();
        }
      });
  }
}
