import { baseConfigSchema, baseEnv, boolean, list, topicName } from '@hookrail/shared';
import { z } from 'zod';
import { allowList } from '@hookrail/deliverer/policy/allow-list';
import { decodeEnv, decodeSettingsShape } from '@hookrail/router/config';

/**
 * What the CLI reads of a hookrail config: the shared settings, the router's source topics
 * (`topics create` creates them; backfill reads them, decoding events as the router does) and the deliverers' HTTP policy (`subscriptions apply`
 * checks URLs against it). The services' other settings may be in the same file: ignored.
 */
export const cliConfigSchema = baseConfigSchema.extend({
  router: z
    // Backfill reads the source topics and decodes events as the router does (same ids).
    .looseObject({ sourceTopics: list(topicName).default([]), sourcePattern: z.string().optional(), ...decodeSettingsShape })
    .prefault({}),
  deliverer: z
    .looseObject({
      http: z
        .looseObject({ requireHttps: boolean.default(true), allow: allowList.default([]) })
        .prefault({}),
    })
    .prefault({}),
  monitor: z.unknown().optional(),
});

export type CliConfig = z.infer<typeof cliConfigSchema>;

export const cliEnv: Record<string, string> = {
  ...baseEnv,
  HOOKRAIL_ROUTER_SOURCE_TOPICS: 'router.sourceTopics',
  HOOKRAIL_ROUTER_SOURCE_PATTERN: 'router.sourcePattern',
  ...decodeEnv,
  HOOKRAIL_HTTP_REQUIRE_HTTPS: 'deliverer.http.requireHttps',
  HOOKRAIL_HTTP_ALLOW: 'deliverer.http.allow',
};
