import { runService } from '@hookrail/shared';
import { routerConfigSchema, routerEnv } from './config.ts';
import { startRouter } from './router.ts';

await runService({ name: 'router', schema: routerConfigSchema, envMap: routerEnv, start: startRouter });
