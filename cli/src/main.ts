import { Command } from 'commander';
import { reportAndExit } from './context.ts';
import { dlqCommand } from './commands/dlq.ts';
import { eventsCommand } from './commands/events.ts';
import { reportCommand } from './commands/report.ts';
import { subscriptionsCommand } from './commands/subscriptions.ts';
import { topicsCommand } from './commands/topics.ts';

const program = new Command('hookrail')
  .description('hookrail: reliable webhooks on Apache Kafka')
  .option('--brokers <list>', 'Kafka bootstrap servers (default: $HOOKRAIL_KAFKA_BROKERS)')
  .option('--prefix <prefix>', 'topic prefix (default: $HOOKRAIL_TOPIC_PREFIX or "hookrail")')
  .option('--config <file>', 'YAML config file (default: $HOOKRAIL_CONFIG)');
topicsCommand(program);
subscriptionsCommand(program);
dlqCommand(program);
eventsCommand(program);
reportCommand(program);

await program.parseAsync().catch(reportAndExit);
