import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { cliContext, type GlobalOptions } from '../context.ts';

export function eventsCommand(program: Command): void {
  program
    .command('send')
    .description('produce test events to a source topic (plain JSON with id, type, time)')
    .requiredOption('--topic <topic>', 'source topic')
    .option('--type <type>', 'event type', 'test.ping')
    .option('--count <n>', 'how many', (v) => Number(v), 1)
    .option('--data <json>', 'JSON merged into each event', '{}')
    .action(async (options: { topic: string; type: string; count: number; data: string }) => {
      const { kafka } = cliContext(program.opts<GlobalOptions>());
      const data = JSON.parse(options.data) as Record<string, unknown>;
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      const messages = Array.from({ length: options.count }, () => {
        const id = randomUUID();
        return { key: id, value: JSON.stringify({ id, type: options.type, time: new Date().toISOString(), data }) };
      });
      await producer.send({ topic: options.topic, acks: -1, messages }).finally(() => producer.disconnect());
      console.log(`sent ${messages.length} event(s) of type ${options.type} to ${options.topic}`);
    });
}
