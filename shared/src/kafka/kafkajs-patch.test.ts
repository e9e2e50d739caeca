import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/load.ts';
import { assertKafkaJsPatched } from './kafkajs-patch.ts';

describe('the KafkaJS patch check', () => {
  it('refuses, in one line naming the file and the fix, a KafkaJS installed without the patch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hookrail-kafkajs-'));
    try {
      const file = join(dir, 'sendMessages.js');
      writeFileSync(file, 'module.exports = () => {}\n');
      assert.throws(
        () => assertKafkaJsPatched(() => file),
        (error: unknown) => error instanceof ConfigError && error.problems.length === 1 && error.problems[0]!.includes(file) && /npx patch-package/.test(error.problems[0]!),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts this install, where npm ci applied patches/', () => {
    assert.doesNotThrow(() => assertKafkaJsPatched());
  });
});
