import { runService } from '@hookrail/shared';
import { monitorConfigSchema, monitorEnv } from './config.ts';
import { startMonitor } from './monitor.ts';

await runService({ name: 'monitor', schema: monitorConfigSchema, envMap: monitorEnv, start: startMonitor });
