// Experiment (not a change to the services): loaded with `node --import`, it makes
// crypto.createHmac reuse one KeyObject per key instead of importing the raw key bytes on
// every call, which is what services/deliverer/src/policy/signing.ts does today
// (createHmac('sha256', parseSigningSecret(secret)) per attempt and secret).
// Measured with `npm run bench -- --experiment hmac-key-cache`.
import crypto, { createSecretKey, type KeyObject } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';

const original = crypto.createHmac;
const keys = new Map<string, KeyObject>();
crypto.createHmac = function createHmac(algorithm: string, key: crypto.BinaryLike | KeyObject, options?: object) {
  if (Buffer.isBuffer(key) && key.length <= 128) {
    const id = key.toString('latin1');
    let cached = keys.get(id);
    if (!cached) {
      cached = createSecretKey(Buffer.from(key));
      if (keys.size < 10_000) keys.set(id, cached);
    }
    return original(algorithm, cached, options as never);
  }
  return original(algorithm, key, options as never);
} as typeof crypto.createHmac;
syncBuiltinESMExports();
