// Experiment (not a change to the services): loaded with `node --import`, it swaps
// shared/src/kafka/parallel/commit-loop.ts for ./paced-commit/commit-loop.ts, a copy that
// (1) starts at most one transaction per commit interval even when busy, so a steady stream
// makes fewer, larger transactions, and (2) splits a transaction's records into produce
// requests of at most 512 KiB (the MESSAGE_TOO_LARGE crash). Both as proposed in
// docs/performance.md. Measured with `npm run bench -- --experiment paced-commit`.
import { registerHooks } from 'node:module';

const replacement = new URL('./paced-commit/commit-loop.ts', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    if (resolved.url.endsWith('/shared/src/kafka/parallel/commit-loop.ts') && !context.parentURL?.includes('/paced-commit/')) {
      return { ...resolved, url: replacement };
    }
    return resolved;
  },
});
