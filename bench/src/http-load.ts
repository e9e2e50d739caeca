// The raw HTTP ceiling: undici POSTs to the receiver at a fixed concurrency, nothing else.
import { createHmac, randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { BENCH_SECRET, eventPayload } from './kafka.ts';
import { nowMs } from './stats.ts';

export interface HttpResult {
  concurrency: number;
  requests: number;
  seconds: number;
  rate: number;
  errors: number;
}

const key = Buffer.from(BENCH_SECRET.slice('whsec_'.length), 'base64');

/** Headers like a Standard Webhooks sender's: id, timestamp, signature. */
export function signedHeaders(id: string, body: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1_000);
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

export async function undiciRate(url: string, concurrency: number, durationMs: number): Promise<HttpResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: concurrency });
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const event = eventPayload(nowMs(), requests);
      try {
        const response = await pool.request({ path: target.pathname, method: 'POST', headers: signedHeaders(`msg_${randomUUID()}`, event.value), body: event.value });
        await response.body.dump();
        if (response.statusCode < 300) requests++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1_000;
  await pool.close();
  return { concurrency, requests, seconds, rate: requests / seconds, errors };
}
