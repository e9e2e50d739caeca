import { Command } from 'commander';
import { redeliverCommand } from './commands/backfill.ts';
import { dlqCommand } from './commands/dlq.ts';
import { eventsCommand } from './commands/events.ts';
import { reportCommand } from './commands/report.ts';
import { secretsCommand } from './commands/secrets.ts';
import { subscriptionsCommand } from './commands/subscriptions.ts';
import { topicsCommand } from './commands/topics.ts';
import { reportAndExit } from './errors.ts';
import { examples } from './help.ts';

// `npm run hookrail -- …` runs in the project's root; relative paths mean the folder it was
// typed in (npm's INIT_CWD).
if (process.env.npm_lifecycle_event === 'hookrail' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const program = new Command('hookrail')
  .description('hookrail: reliable webhooks on Apache Kafka')
  .option('--brokers <list>', 'Kafka bootstrap servers, host:port,… (default: $HOOKRAIL_KAFKA_BROKERS)')
  .option('--prefix <prefix>', 'topic prefix (default: $HOOKRAIL_TOPIC_PREFIX or "hookrail")')
  .option('--config <file>', 'YAML config file (default: $HOOKRAIL_CONFIG)')
  // Usage errors exit 2 (reportAndExit); inherited by every command added below.
  .exitOverride()
  .showHelpAfterError('(add --help for usage and examples)')
  .addHelpText(
    'after',
    `${examples(
      'export HOOKRAIL_KAFKA_BROKERS=127.0.0.1:9092',
      'hookrail topics create --source shop.events',
      'hookrail subscriptions apply subscriptions.yaml',
      'hookrail dlq inspect --subscription warehouse-orders',
    )}
Exit codes: 0 done, 1 failed, 2 bad usage or configuration, 4 Kafka unreachable, 130 interrupted (backfill: --resume continues).
`,
  );
topicsCommand(program);
subscriptionsCommand(program);
secretsCommand(program);
eventsCommand(program);
redeliverCommand(program);
dlqCommand(program);
reportCommand(program);

await program.parseAsync().catch(reportAndExit);
