// 1. Ceilings, in the same run: what Kafka, the Kafka clients and HTTP alone can do here.
import type { Context, Scenario } from '../context.ts';
import { benchSubscription, createTopic, deleteByPrefix, produceDeliveries, uniquePrefix } from '../kafka.ts';
import { undiciRate, type HttpResult } from '../http-load.ts';
import { cpuMeter, cpuText, pipelinePids } from '../pipeline.ts';
import { kafkajsConsumeProduce, platformaticConsumeProduce, type RawResult } from '../raw-kafka.ts';
import type { ScenarioResult } from '../report.ts';
import { barChart } from '../svg.ts';
import { fmt } from '../stats.ts';
import { consumerPerf, producerPerf } from '../tools.ts';

export const ceilings: Scenario = {
  name: 'ceilings',
  title: 'Ceilings: Kafka tools, Kafka clients (consume→produce, no HTTP), raw undici HTTP',
  async run(context: Context): Promise<ScenarioResult> {
    const { kafka } = context;
    const prefix = uniquePrefix('ceilings');
    const perfTopic = `${prefix}.perf`;
    const input = `${prefix}.in`;
    const output = `${prefix}.out`;
    const perfRecords = context.size(1_000_000, 100_000);
    const rawRecords = context.size(100_000, 20_000);
    const httpMs = context.size(8_000, 3_000);
    const rows: Array<{ name: string; rate: number; detail: string; cpu?: string }> = [];
    const data: Record<string, unknown> = {};
    try {
      await Promise.all([createTopic(kafka, perfTopic, 6), createTopic(kafka, input, 6), createTopic(kafka, output, 6)]);

      context.log(`ProducerPerformance: ${perfRecords} records of 250 bytes`);
      const producerResult = await producerPerf(perfTopic, perfRecords, { recordSize: 250 });
      rows.push({ name: 'Kafka ProducerPerformance (250 B, acks=all)', rate: producerResult.rate, detail: `${producerResult.mbPerSec} MB/s, avg latency ${producerResult.avgLatencyMs} ms` });
      data.producerPerf = producerResult;

      context.log('ConsumerPerformance');
      const consumerResult = await consumerPerf(perfTopic, perfRecords);
      rows.push({ name: 'Kafka ConsumerPerformance', rate: consumerResult.fetchRate, detail: `${consumerResult.mbPerSec} MB/s overall (incl. join): ${fmt(consumerResult.rate)}/s` });
      data.consumerPerf = consumerResult;

      context.log(`KafkaJS: ${rawRecords} delivery records (with hookrail headers) to the input topic`);
      const producer = kafka.producer();
      await producer.connect();
      const subscription = benchSubscription({ id: 'raw', url: context.receiver.fast('raw') });
      const started = performance.now();
      await produceDeliveries(producer, input, subscription, rawRecords, { batch: 1_000, concurrency: 4, spread: true });
      const kafkajsProduceRate = rawRecords / ((performance.now() - started) / 1_000);
      await producer.disconnect();
      rows.push({ name: 'KafkaJS produce (batches of 1,000, 4 in flight)', rate: kafkajsProduceRate, detail: 'delivery records with headers, acks=-1' });
      data.kafkajsProduce = { rate: kafkajsProduceRate };

      const raw: Record<string, RawResult> = {};
      for (const [name, label, transactional, fn] of [
        ['kafkajsPlain', 'KafkaJS consume→produce', false, 'kafkajs'],
        ['kafkajsTxn', 'KafkaJS consume→produce, transaction per batch (as hookrail)', true, 'kafkajs'],
        ['platformaticPlain', '@platformatic/kafka consume→produce', false, 'platformatic'],
        ['platformaticTxn', '@platformatic/kafka consume→produce, transaction per batch', true, 'platformatic'],
      ] as const) {
        context.log(label);
        const meter = cpuMeter({ ...pipelinePids(context), 'bench (client)': process.pid });
        try {
          const result =
            fn === 'kafkajs'
              ? await kafkajsConsumeProduce(kafka, input, output, rawRecords, { transactional, timeoutMs: 120_000 })
              : await platformaticConsumeProduce(input, output, rawRecords, { transactional, timeoutMs: 120_000 });
          const cpu = meter.stop();
          raw[name] = result;
          rows.push({ name: label, rate: result.rate, detail: `${result.records} records in ${result.seconds.toFixed(2)} s${result.completed ? '' : ' (timed out)'}`, cpu: `client ${cpu['bench (client)']} %, broker ${cpu.broker} %` });
        } catch (error) {
          rows.push({ name: label, rate: Number.NaN, detail: `failed: ${String((error as Error).message).slice(0, 120)}` });
        }
      }
      data.raw = raw;

      const http: HttpResult[] = [];
      for (const concurrency of [16, 64]) {
        context.log(`undici → receiver at concurrency ${concurrency}`);
        const meter = cpuMeter(pipelinePids(context));
        const result = await undiciRate(context.receiver.fast(`raw-http-${concurrency}`), concurrency, httpMs);
        const cpu = meter.stop();
        http.push(result);
        rows.push({ name: `undici POST → receiver, ${concurrency} in flight`, rate: result.rate, detail: `${result.requests} requests, ${result.errors} errors`, cpu: `client ${cpu['bench (load)']} %, receiver ${cpu.receiver} %` });
      }
      data.http = http;
    } finally {
      await deleteByPrefix(kafka, prefix);
    }

    return {
      scenario: 'ceilings',
      title: ceilings.title,
      method:
        'Kafka ProducerPerformance/ConsumerPerformance on a 6-partition topic; the client workloads read delivery records (≈250 B payload + hookrail headers) from a 6-partition topic and write one record per record to another, timed from the first batch; undici POSTs a signed ≈250 B JSON body to the same receiver process the pipeline uses.',
      tables: [{ title: 'Ceilings (records or requests per second)', head: ['workload', 'rate /s', 'detail', 'CPU (% of one core)'], rows: rows.map((r) => [r.name, fmt(r.rate), r.detail, r.cpu ?? '']) }],
      data,
      notes: [
        'The pipeline makes two consume→produce hops per delivery (router, deliverer) plus one HTTP request, on the same 2 cores as the broker and the receiver.',
      ],
      charts: [
        {
          file: 'ceilings.svg',
          svg: barChart({
            title: 'Ceilings on this machine',
            subtitle: 'records or requests per second (log scale)',
            yLabel: 'per second',
            categories: rows.map((r) => shortName(r.name)),
            series: [{ name: 'rate', values: rows.map((r) => r.rate) }],
            log: true,
          }),
        },
      ],
    };
  },
};

/** Chart labels: the table's names, shortened. */
export function shortName(name: string): string {
  return name
    .replace(' (as hookrail)', '')
    .replace(/ \(.*\)$/, '')
    .replace('consume→produce', 'c→p')
    .replace(', transaction per batch', ' txn')
    .replace('Kafka ProducerPerformance', 'ProducerPerformance')
    .replace('Kafka ConsumerPerformance', 'ConsumerPerformance')
    .replace(/undici POST → receiver, (\d+) in flight/, 'undici, $1 in flight');
}
