import { ensureTopics, hookrailTopicSpecs, type TopicReport, type TopicSpec } from '@hookrail/shared';
import type { Command } from 'commander';
import { connectedContext, type GlobalOptions } from '../context.ts';
import { replayLogSpec } from '../dlq/replay-log.ts';
import { CLI_EXIT } from '../errors.ts';
import { examples } from '../help.ts';
import { collect, wholeNumber } from '../options.ts';
import { printJson } from '../output.ts';

interface TopicsOptions {
  source?: string[];
  sourcePartitions?: number;
  json?: boolean;
}

/**
 * Source topics belong to the upstream systems: created when missing (the broker may not
 * auto-create them) with hookrail's partition count, never judged once they exist.
 */
function sourceSpecs(names: readonly string[], partitions: number, replicationFactor: number): TopicSpec[] {
  return [...new Set(names)].map((name) => ({ name, partitions, replicationFactor, configs: {} }));
}

export function topicsCommand(program: Command): void {
  const topics = program.command('topics').description('create or verify the hookrail topics and the source topics');
  for (const [name, create] of [['create', true], ['verify', false]] as const) {
    topics
      .command(name)
      .description(
        create
          ? 'create missing topics (hookrail\'s, and the source topics of HOOKRAIL_ROUTER_SOURCE_TOPICS / --source), verify existing ones'
          : 'verify the topics; exit 1 on any error',
      )
      .option('--source <topic...>', 'source topics the router reads (added to $HOOKRAIL_ROUTER_SOURCE_TOPICS)', collect)
      .option('--source-partitions <n>', 'partitions of a new source topic (default: $HOOKRAIL_TOPIC_PARTITIONS or 6)', wholeNumber(1, 10_000))
      .option('--json', 'print {created, verified, problems} as JSON')
      .addHelpText('after', examples(`hookrail topics ${name}`, `hookrail topics ${name} --source shop.events crm.events`, `hookrail topics ${name} --json`))
      .action(async (options: TopicsOptions) => {
        const { config, kafka } = await connectedContext(program.opts<GlobalOptions>());
        const sources = sourceSpecs(
          [...config.router.sourceTopics, ...(options.source ?? [])],
          options.sourcePartitions ?? config.topics.partitions,
          config.topics.replicationFactor,
        );
        const admin = kafka.admin();
        await admin.connect();
        let report: TopicReport;
        try {
          const own = await ensureTopics(admin, [...hookrailTopicSpecs(config), replayLogSpec(config)], { create });
          const upstream = await ensureTopics(admin, sources, { create });
          report = {
            created: [...own.created, ...upstream.created],
            verified: [...own.verified, ...upstream.verified],
            problems: [
              ...own.problems,
              ...upstream.problems
                .filter((p) => p.severity === 'error')
                .map((p) => ({ ...p, message: `source topic ${p.topic} does not exist (create it with "hookrail topics create --source ${p.topic}")` })),
            ],
          };
        } finally {
          await admin.disconnect();
        }
        if (report.problems.some((p) => p.severity === 'error')) process.exitCode = CLI_EXIT.failed;
        if (options.json) return printJson(report);
        for (const topic of report.created) console.log(`created  ${topic}`);
        for (const topic of report.verified) console.log(`ok       ${topic}`);
        for (const problem of report.problems) console.log(`${problem.severity.padEnd(8)} ${problem.message}`);
        if (sources.length === 0) console.log('no source topics named: add --source NAME (or set HOOKRAIL_ROUTER_SOURCE_TOPICS) to create the ones the router reads');
      });
  }
}
