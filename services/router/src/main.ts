import { runService } from '@hookrail/shared';
import { routerConfigSchema, routerEnv } from './config.ts';
import { startRouter } from './router.ts';
import { waitForSourceTopics } from './source-topics.ts';

await runService({
  name: 'router',
  schema: routerConfigSchema,
  envMap: routerEnv,
  start: async (context) => {
    await waitForSourceTopics(context);
    return startRouter(context);
  },
});
