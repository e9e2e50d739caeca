// How registry failures map to reasons. The real registry (Apicurio, confluent.test.ts) covers
// "schema not found", a wrong URL and a stopped registry; this file injects the failures a
// real registry does not produce on demand (5xx, hangs, auth, odd 404 bodies) with an HTTP stub.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDecoder } from './decoder.ts';
import { classifyRegistryError } from './registry-errors.ts';
import { startReceiver, type Receiver } from '../../../../test/support/receiver.ts';
import { registryReply } from '../../test/schema-registry.ts';
import { kafkaRecord } from '../../test/records.ts';
import type { DecodeResult } from './types.ts';

function framed(schemaId: number, body = [0x02, 0x61]): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, Buffer.from(body)]);
}

function reasonOf(result: DecodeResult): string {
  return 'invalid' in result ? `${result.reason}: ${result.detail}` : `event ${result.id}`;
}

describe('registry failures seen through the decoder', () => {
  let stub: Receiver;
  let hits = 0;

  before(async () => {
    stub = await startReceiver((request) => {
      const id = Number(/\/schemas\/ids\/(\d+)/.exec(request.url)?.[1]);
      if (id === 404) return registryReply(404, { error_code: 40403, message: `Schema ${id} not found` });
      if (id === 4040) return registryReply(404, '<html>404 page not found</html>');
      if (id === 4041) return registryReply(404, { error_code: 404, message: 'RESTEASY003210: Could not find resource for full path' });
      if (id === 500) return registryReply(500, { error_code: 50001, message: 'Error in the backend data store' });
      if (id === 503) return registryReply(503, 'Service Unavailable');
      if (id === 401) return registryReply(401, { error_code: 401, message: 'Unauthorized' });
      if (id === 7) {
        hits += 1;
        return registryReply(404, { error_code: 40403, message: 'Schema 7 not found' });
      }
      if (id === 999) return; // never answers
      return registryReply(200, { schema: '{"type":"record","name":"E","fields":[{"name":"type","type":"string"}]}' });
    });
  });
  after(() => stub.close());

  const decode = async (schemaId: number, options: { timeoutMs?: number; retries?: number } = {}) =>
    createDecoder({ schemaRegistry: { url: stub.origin, retries: 0, ...options } }).decode(await kafkaRecord({ value: framed(schemaId) }));

  it('404 with a schema-not-found answer → unknown-schema, naming the schema id', async () => {
    assert.match(reasonOf(await decode(404)), /^unknown-schema: schema id 404 is not in the schema registry \(404: Schema 404 not found\)$/);
  });

  it('404 that is not a registry answer (wrong URL, proxy page) → schema-registry-unavailable', async () => {
    assert.match(reasonOf(await decode(4040)), /^schema-registry-unavailable: .*404 without a schema error.*is the registry URL right/);
    assert.match(reasonOf(await decode(4041)), /^schema-registry-unavailable: .*RESTEASY003210/);
  });

  it('5xx → schema-registry-unavailable, after the configured retries', async () => {
    assert.match(reasonOf(await decode(500)), /^schema-registry-unavailable: schema registry failed \(500\).*backend data store/);
    assert.match(reasonOf(await decode(503)), /^schema-registry-unavailable: schema registry failed \(503\)/);
    const before = stub.requests.length;
    assert.match(reasonOf(await decode(503, { retries: 2 })), /^schema-registry-unavailable/);
    assert.equal(stub.requests.length - before, 3);
  });

  it('401/403 → schema-registry-unavailable (a credentials problem is not the event’s fault)', async () => {
    assert.match(reasonOf(await decode(401)), /^schema-registry-unavailable: schema registry refused access \(401\)/);
  });

  it('a registry that does not answer → schema-registry-unavailable after the timeout', async () => {
    const started = Date.now();
    assert.match(reasonOf(await decode(999, { timeoutMs: 300 })), /^schema-registry-unavailable: schema registry unreachable .*Timeout \(300ms\)/);
    assert.ok(Date.now() - started < 3_000);
  });

  it('connection refused → schema-registry-unavailable', async () => {
    const closed = await startReceiver();
    await closed.close();
    const decoder = createDecoder({ schemaRegistry: { url: closed.origin, retries: 0 } });
    assert.match(reasonOf(await decoder.decode(await kafkaRecord({ value: framed(1) }))), /^schema-registry-unavailable: schema registry unreachable .*ECONNREFUSED/);
  });

  it('remembers "not found" for a while instead of asking again for every record', async () => {
    const decoder = createDecoder({ schemaRegistry: { url: stub.origin, retries: 0 } });
    for (let i = 0; i < 5; i += 1) assert.match(reasonOf(await decoder.decode(await kafkaRecord({ value: framed(7) }))), /^unknown-schema/);
    assert.equal(hits, 1);
  });
});

describe('classifyRegistryError', () => {
  const responseError = (status: number, message: string) => Object.assign(new Error(`hookrail-router - ${message}`), { name: 'ResponseError', status });

  it('maps library errors by status and wording', () => {
    assert.equal(classifyRegistryError(responseError(404, 'Schema 5 not found'), 5).reason, 'unknown-schema');
    assert.equal(classifyRegistryError(responseError(404, "No content with id/hash 'contentId-5' was found."), 5).reason, 'unknown-schema');
    assert.equal(classifyRegistryError(responseError(404, 'Error, status 404: '), 5).reason, 'schema-registry-unavailable');
    assert.equal(classifyRegistryError(responseError(400, 'Error, status 400: getaddrinfo ENOTFOUND registry'), 5).reason, 'schema-registry-unavailable');
    assert.equal(classifyRegistryError(responseError(502, 'Bad Gateway'), 5).reason, 'schema-registry-unavailable');
    assert.equal(classifyRegistryError(new Error('invalid schemaType'), 5).reason, 'undecodable');
    assert.equal(classifyRegistryError('weird', 5).reason, 'undecodable');
    assert.doesNotMatch(classifyRegistryError(responseError(404, 'Schema 5 not found'), 5).detail, /hookrail-router/);
  });
});
