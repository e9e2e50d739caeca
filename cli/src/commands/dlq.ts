import { randomUUID } from 'node:crypto';
import { byTopic, connectTransactionalProducer, deliveryHeaders, H, headersToStrings, parseDelivery, readToEnd, type OutgoingRecord } from '@hookrail/shared';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { cliContext, type GlobalOptions } from '../context.ts';


export function dlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('inspect and replay the dead-letter topic');

  dlq
    .command('inspect')
    .option('--subscription <id>', 'only this subscription')
    .option('--limit <n>', 'at most this many records', (v) => Number(v), 50)
    .option('--json', 'one JSON object per line, with payload')
    .description('show dead letters: why each failed, how often it was tried')
    .action(async (options: { subscription?: string; limit: number; json?: boolean }) => {
      const { kafka, topics } = cliContext(program.opts<GlobalOptions>());
      const rows: Array<Record<string, string>> = [];
      await readToEnd({
        kafka,
        topic: topics.dlq,
        groupId: `hookrail-cli-inspect-${randomUUID()}`,
        done: () => rows.length >= options.limit,
        onBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const headers = headersToStrings(message.headers);
            if (options.subscription && headers[H.subscriptionId] !== options.subscription) continue;
            if (rows.length >= options.limit) break;
            rows.push({ partition: String(batch.partition), offset: message.offset, ...headers, payload: message.value?.toString('utf8') ?? '' });
          }
        },
      });
      if (options.json) {
        for (const row of rows) console.log(JSON.stringify(row));
        return;
      }
      const table = new Table({ head: ['offset', 'subscription', 'delivery', 'event type', 'attempts', 'error', 'status', 'detail'], colWidths: [null, null, null, null, null, null, null, 50], wordWrap: true });
      for (const r of rows) {
        table.push([`${r.partition}/${r.offset}`, r[H.subscriptionId] ?? '', r[H.deliveryId] ?? '', r[H.eventType] ?? '', r[H.attempt] ?? '', r[H.error] ?? '', r[H.status] ?? '', (r[H.errorDetail] ?? '').slice(0, 200)]);
      }
      console.log(table.toString());
      console.log(`${rows.length} dead letter(s) shown`);
    });

  dlq
    .command('replay')
    .option('--subscription <id>', 'only this subscription (others are left for another replay)')
    .option('--dry-run', 'count what would be replayed, change nothing')
    .description('send dead letters back to their tier topic for a fresh round of attempts (same webhook-id)')
    .action(async (options: { subscription?: string; dryRun?: boolean }) => {
      const { kafka, topics, config } = cliContext(program.opts<GlobalOptions>());
      // One group per filter: a replay of "billing" does not consume the others' records.
      const groupId = `${config.topics.prefix}-dlq-replay-${options.subscription ?? 'all'}`;
      const producer = options.dryRun ? undefined : await connectTransactionalProducer(kafka, `${groupId}-${randomUUID()}`);
      let replayed = 0;
      let skipped = 0;
      try {
        await readToEnd({
          kafka,
          topic: topics.dlq,
          groupId: options.dryRun ? `hookrail-cli-dry-${randomUUID()}` : groupId,
          onBatch: async ({ batch, resolveOffset }) => {
            const out: OutgoingRecord[] = [];
            for (const message of batch.messages) {
              const delivery = parseDelivery(message.headers, message.value);
              if (typeof delivery === 'string' || (options.subscription && delivery.subscriptionId !== options.subscription)) {
                skipped++;
                continue;
              }
              const fresh = { ...delivery, attempt: 0 };
              delete fresh.firstAttemptAt;
              delete fresh.notBefore;
              delete fresh.rung;
              out.push({ topic: topics.tier(delivery.tier), message: { key: delivery.subscriptionId, value: delivery.payload, headers: deliveryHeaders(fresh) } });
            }
            replayed += out.length;
            if (!producer) return;
            const transaction = await producer.transaction();
            try {
              if (out.length > 0) await transaction.sendBatch({ topicMessages: byTopic(out) });
              await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }] });
              await transaction.commit();
            } catch (error) {
              await transaction.abort();
              throw error;
            }
            resolveOffset(batch.lastOffset());
          },
        });
      } finally {
        await producer?.disconnect();
      }
      console.log(`${options.dryRun ? 'would replay' : 'replayed'} ${replayed} dead letter(s)${skipped ? `, skipped ${skipped}` : ''}`);
    });
}
