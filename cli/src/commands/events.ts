import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { connectedContext, type GlobalOptions } from '../context.ts';
import { CliError } from '../errors.ts';
import { examples } from '../help.ts';
import { jsonObject, wholeNumber } from '../options.ts';

export function eventsCommand(program: Command): void {
  program
    .command('send')
    .description('produce test events to a source topic (plain JSON with id, type, time)')
    .requiredOption('--topic <topic>', 'source topic (create it with "hookrail topics create --source TOPIC")')
    .option('--type <type>', 'event type', 'test.ping')
    .option('--count <n>', 'how many', wholeNumber(1, 1_000_000), 1)
    .option('--data <json>', 'JSON object merged into each event as "data"', jsonObject, {})
    .addHelpText('after', examples('hookrail send --topic shop.events --type order.created --count 10', `hookrail send --topic shop.events --type order.paid --data '{"amount": 42}'`))
    .action(async (options: { topic: string; type: string; count: number; data: Record<string, unknown> }) => {
      const { kafka } = await connectedContext(program.opts<GlobalOptions>());
      const admin = kafka.admin();
      await admin.connect();
      const exists = (await admin.listTopics().finally(() => admin.disconnect())).includes(options.topic);
      if (!exists) {
        throw new CliError(`topic ${options.topic} does not exist (the broker does not create topics on first use): create it with "hookrail topics create --source ${options.topic}"`);
      }
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const messages = Array.from({ length: options.count }, () => {
        const id = randomUUID();
        return { key: id, value: JSON.stringify({ id, type: options.type, time: new Date().toISOString(), data: options.data }) };
      });
      for (let from = 0; from < messages.length; from += 1_000) {
        await producer.send({ topic: options.topic, acks: -1, messages: messages.slice(from, from + 1_000) }).catch(async (error: unknown) => {
          await producer.disconnect();
          throw error;
        });
      }
      await producer.disconnect();
      console.log(`sent ${messages.length} event(s) of type ${options.type} to ${options.topic}`);
    });
}
