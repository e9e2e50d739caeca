// How the project is run: every npm script that starts Node silences KafkaJS's harmless
// TimeoutNegativeWarning, the container image does too, and the CLI is installable as a command.
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/kafka.ts';

const json = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as { scripts?: Record<string, string>; bin?: Record<string, string> };

describe('package scripts and the hookrail command', () => {
  it('runs Node without TimeoutNegativeWarning in every npm script and in the image', () => {
    const scripts = Object.entries(json('package.json').scripts ?? {}).filter(([, command]) => /(^|&& )node /.test(command));
    assert.ok(scripts.length >= 6);
    for (const [name, command] of scripts) {
      for (const part of command.split('&&').filter((p) => /^\s*node /.test(p))) {
        assert.match(part, /node --disable-warning=TimeoutNegativeWarning /, `npm run ${name}`);
      }
    }
    assert.match(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'), /NODE_OPTIONS="?--disable-warning=TimeoutNegativeWarning/);
    assert.match(readFileSync(join(repoRoot, 'cli/bin/hookrail'), 'utf8'), /--disable-warning=TimeoutNegativeWarning/);
  });

  it('declares the hookrail command for npm link (root) and npx (workspace), pointing at an executable', () => {
    assert.equal(json('package.json').bin?.hookrail, 'cli/bin/hookrail');
    assert.equal(json('cli/package.json').bin?.hookrail, 'bin/hookrail');
    accessSync(join(repoRoot, 'cli/bin/hookrail'), constants.X_OK);
  });
});
