import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { imageHeapFlags, imageNodeOptions } from './image-node-options.ts';
import { repoRoot } from './paths.ts';

describe('the services\' Node flags', () => {
  it('bound the V8 heap in the image', () => {
    assert.deepEqual(imageHeapFlags(), ['--max-old-space-size=128', '--max-semi-space-size=8']);
  });

  it('are the same in the image, the compose file and the Helm values', () => {
    const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as { 'x-hookrail-env': Record<string, string> };
    const helm = parse(readFileSync(join(repoRoot, 'deploy/helm/hookrail/values.yaml'), 'utf8')) as { nodeOptions: string };
    assert.equal(compose['x-hookrail-env'].NODE_OPTIONS, imageNodeOptions());
    assert.equal(helm.nodeOptions, imageNodeOptions());
  });

  it('say clearly when the Dockerfile has none', () => {
    assert.throws(() => imageNodeOptions('FROM node:24\n'), /the Dockerfile sets no NODE_OPTIONS/);
  });
});
