import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from 'undici';
import { SsrfBlockedError } from '../policy/ssrf.ts';
import { classifyError } from './error-class.ts';

const withCode = (code: string, message = `failed: ${code}`) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  const cases: Array<[string, unknown, string]> = [
    ['undici connect timeout', new errors.ConnectTimeoutError(), 'timeout'],
    ['undici headers timeout', new errors.HeadersTimeoutError(), 'timeout'],
    ['undici body timeout', new errors.BodyTimeoutError(), 'timeout'],
    ['AbortSignal.timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), 'timeout'],
    ['ECONNREFUSED', withCode('ECONNREFUSED'), 'connection'],
    ['ECONNRESET', withCode('ECONNRESET'), 'connection'],
    ['EPIPE', withCode('EPIPE'), 'connection'],
    ['EHOSTUNREACH', withCode('EHOSTUNREACH'), 'connection'],
    ['undici socket closed', new errors.SocketError('other side closed'), 'connection'],
    ['undici client closed', new errors.ClientClosedError(), 'connection'],
    ['ENOTFOUND', withCode('ENOTFOUND'), 'dns'],
    ['EAI_AGAIN', withCode('EAI_AGAIN'), 'dns'],
    ['expired certificate', withCode('CERT_HAS_EXPIRED'), 'tls'],
    ['self-signed certificate', withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    ['unknown issuer', withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls'],
    ['name mismatch', withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['wrong TLS version', withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    ['SSRF guard', new SsrfBlockedError('internal.example', '10.0.0.1', 'private'), 'ssrf-blocked'],
    ['malformed response', withCode('HPE_INVALID_CONSTANT', 'Expected HTTP/'), 'http'],
    ['unknown', new Error('something odd'), 'connection'],
    ['not an error at all', 'weird', 'connection'],
  ];
  for (const [what, error, expected] of cases) {
    it(`${what} is ${expected}`, () => assert.equal(classifyError(error).errorClass, expected));
  }

  it('looks through causes and AggregateError (Happy Eyeballs tries every address)', () => {
    const aggregate = new AggregateError([withCode('ECONNREFUSED'), withCode('ETIMEDOUT')], 'all failed');
    assert.equal(classifyError(new Error('fetch failed', { cause: aggregate })).errorClass, 'connection');
    assert.equal(classifyError(new Error('wrapped', { cause: withCode('ENOTFOUND') })).errorClass, 'dns');
  });

  it('gives a one-line, bounded detail with the code', () => {
    const { errorDetail } = classifyError(withCode('ERR_SSL_WRONG_VERSION_NUMBER', `ssl\nroutines ${'x'.repeat(1_000)}\n`));
    assert.ok(!errorDetail.includes('\n'));
    assert.ok(errorDetail.length <= 300);
    assert.match(errorDetail, /^ERR_SSL_WRONG_VERSION_NUMBER: ssl routines x/);
  });

  it('survives cyclic causes', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    assert.equal(classifyError(a).errorClass, 'connection');
  });
});
