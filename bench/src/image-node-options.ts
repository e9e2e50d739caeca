// The Node flags the image gives every service (Dockerfile, ENV NODE_OPTIONS): the bench runs
// the services with them, so its memory figures are those of the deployed defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

/** NODE_OPTIONS of the Dockerfile, as written there. */
export function imageNodeOptions(dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')): string {
  const value = /NODE_OPTIONS="([^"]+)"/.exec(dockerfile)?.[1];
  if (!value) throw new Error('the Dockerfile sets no NODE_OPTIONS="…" (expected the services\' Node flags there)');
  return value;
}

/** The image's flags that shape a service's memory and speed (the V8 heap bounds). */
export function imageHeapFlags(): string[] {
  return imageNodeOptions()
    .split(/\s+/)
    .filter((flag) => /^--max-(old|semi)-space-size=/.test(flag));
}
