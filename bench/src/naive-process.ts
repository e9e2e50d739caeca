// The naive baseline, the way most teams write it: a KafkaJS eachMessage handler that awaits
// the POST to each subscribed URL and retries in place (sleeping in the handler) on failure.
// Defaults everywhere (one partition at a time, auto-commit). Configured by environment:
//   NAIVE_BROKERS, NAIVE_TOPIC, NAIVE_GROUP, NAIVE_URLS (comma-separated), NAIVE_RETRIES (3)
import { createHmac } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { request } from 'undici';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const urls = env('NAIVE_URLS').split(',');
const retries = Number(env('NAIVE_RETRIES', '3'));
const secret = Buffer.from(env('NAIVE_SECRET').slice('whsec_'.length), 'base64');

const kafka = new Kafka({ clientId: 'naive', brokers: env('NAIVE_BROKERS').split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: env('NAIVE_GROUP') });
await consumer.connect();
await consumer.subscribe({ topic: env('NAIVE_TOPIC'), fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    const body = message.value?.toString('utf8') ?? '';
    const id = /"id":"([^"]+)"/.exec(body)?.[1] ?? message.offset;
    for (const url of urls) {
      for (let attempt = 0; ; attempt++) {
        const timestamp = Math.floor(Date.now() / 1_000);
        const signature = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
        let ok = false;
        try {
          const response = await request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'webhook-id': `${id}`, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
            body,
          });
          await response.body.dump();
          ok = response.statusCode < 300;
        } catch {
          ok = false;
        }
        if (ok || attempt >= retries) break;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * 2 ** attempt));
      }
    }
  },
});
console.log(JSON.stringify({ msg: 'ready' }));
const stop = async () => {
  await consumer.disconnect().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
