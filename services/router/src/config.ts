import { z } from 'zod';
import {
  baseConfigSchema,
  baseEnv,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_OPS_PORTS,
  opsSchema,
  DELIVERY_RECORD_OVERHEAD_BYTES,
  durationMs,
  integer,
  list,
  maxPayloadFor,
  topicName,
} from '@hookrail/shared';
import { hostname } from 'node:os';

/**
 * How the router reads an event's id, type and time: shared with the CLI's backfill, which must
 * decode the same events to the same ids (and so the same delivery ids) as live routing.
 */
export const decodeSettingsShape = {
  idHeader: z.string().min(1).optional(),
  typeHeader: z.string().min(1).optional(),
  idPath: z.string().min(1).default('id'),
  typePath: z.string().min(1).default('type'),
  timePath: z.string().min(1).default('time'),
  /** Larger events go to the invalid topic; must fit the topics' max.message.bytes (checked below). */
  maxPayloadBytes: integer(1, 100 * 1024 * 1024).default(DEFAULT_MAX_PAYLOAD_BYTES),
  schemaRegistryUrl: z.url({ error: 'expected the schema registry URL' }).optional(),
};

export type DecodeSettings = z.infer<z.ZodObject<typeof decodeSettingsShape>>;

/** The environment variables of `decodeSettingsShape`. */
export const decodeEnv: Record<string, string> = {
  HOOKRAIL_ROUTER_ID_HEADER: 'router.idHeader',
  HOOKRAIL_ROUTER_TYPE_HEADER: 'router.typeHeader',
  HOOKRAIL_ROUTER_ID_PATH: 'router.idPath',
  HOOKRAIL_ROUTER_TYPE_PATH: 'router.typePath',
  HOOKRAIL_ROUTER_TIME_PATH: 'router.timePath',
  HOOKRAIL_ROUTER_MAX_PAYLOAD_BYTES: 'router.maxPayloadBytes',
  HOOKRAIL_SCHEMA_REGISTRY_URL: 'router.schemaRegistryUrl',
};

export const routerConfigSchema = baseConfigSchema.extend({
  ops: opsSchema(DEFAULT_OPS_PORTS.router),
  router: z
    .strictObject({
      /** Source topics by name… */
      sourceTopics: list(topicName).default([]),
      /** …or by regular expression (both may be given). */
      sourcePattern: z
        .string()
        .refine((pattern) => {
          try {
            new RegExp(pattern);
            return true;
          } catch {
            return false;
          }
        }, { error: 'expected a regular expression' })
        .optional(),
      /** Stable per instance: a restart with the same id fences the crashed predecessor. */
      instanceId: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'expected letters, digits, ".", "_" or "-"' }).default(hostname().replace(/[^A-Za-z0-9._-]/g, '-')),
      ...decodeSettingsShape,
      /** Source records held between fetch and commit. */
      maxBuffered: integer(1, 100_000).default(5_000),
      /** How long fan-outs gather before their transaction. */
      commitIntervalMs: durationMs.default(20),
    })
    .prefault({})
    .refine((router) => router.sourceTopics.length > 0 || router.sourcePattern !== undefined, {
      error: 'expected source topics: set router.sourceTopics (HOOKRAIL_ROUTER_SOURCE_TOPICS) or router.sourcePattern (HOOKRAIL_ROUTER_SOURCE_PATTERN)',
    }),
}).superRefine((config, context) => {
  // A payload the router accepts must fit, with hookrail's key and headers, in every record
  // written for it; otherwise its fan-out could never be produced.
  const largest = maxPayloadFor(config.topics.maxMessageBytes);
  if (config.router.maxPayloadBytes > largest) {
    context.addIssue({
      code: 'custom',
      path: ['router', 'maxPayloadBytes'],
      message:
        `expected at most ${largest} bytes: with up to ${DELIVERY_RECORD_OVERHEAD_BYTES} bytes of key and headers, a larger payload ` +
        `would not fit the topics' max.message.bytes of ${config.topics.maxMessageBytes} (topics.maxMessageBytes, HOOKRAIL_TOPIC_MAX_MESSAGE_BYTES); ` +
        'lower it, or raise both that and the topics\' max.message.bytes',
    });
  }
});

export type RouterConfig = z.infer<typeof routerConfigSchema>;

export const routerEnv: Record<string, string> = {
  ...baseEnv,
  HOOKRAIL_INSTANCE_ID: 'router.instanceId',
  HOOKRAIL_ROUTER_SOURCE_TOPICS: 'router.sourceTopics',
  HOOKRAIL_ROUTER_SOURCE_PATTERN: 'router.sourcePattern',
  ...decodeEnv,
  HOOKRAIL_ROUTER_MAX_BUFFERED: 'router.maxBuffered',
  HOOKRAIL_ROUTER_COMMIT_INTERVAL: 'router.commitIntervalMs',
};
