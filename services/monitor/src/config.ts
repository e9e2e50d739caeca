import { z } from 'zod';
import { baseConfigSchema, baseEnv, durationMs } from '@hookrail/shared';

export const monitorConfigSchema = baseConfigSchema.extend({
  monitor: z
    .strictObject({
      /** How often offsets are read from the broker. */
      pollIntervalMs: durationMs.default(5_000),
    })
    .prefault({}),
});

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;

export const monitorEnv: Record<string, string> = {
  ...baseEnv,
  HOOKRAIL_MONITOR_POLL_INTERVAL: 'monitor.pollIntervalMs',
};
