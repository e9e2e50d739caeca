import { runService } from '@hookrail/shared';
import { delivererConfigSchema, delivererEnv } from './config.ts';
import { startDeliverer } from './deliverer.ts';

await runService({ name: 'deliverer', schema: delivererConfigSchema, envMap: delivererEnv, start: startDeliverer });
