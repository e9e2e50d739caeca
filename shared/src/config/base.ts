import { z } from 'zod';
import { DELIVERY_RECORD_OVERHEAD_BYTES, KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../topics/record-size.ts';
import { boolean, durationMs, hostPort, integer, list, logLevel, ratio, topicName } from './fields.ts';

/** What every service shares: the broker, the topics, logging, the ops HTTP port, shutdown. */
export const kafkaSchema = z.strictObject({
  brokers: list(hostPort, 'expected bootstrap servers, host:port,… (e.g. 127.0.0.1:9092)').refine((brokers) => brokers.length > 0, {
    error: 'expected at least one host:port',
  }),
  clientId: z.string().min(1).default('hookrail'),
  connectionTimeoutMs: durationMs.default(3_000),
  requestTimeoutMs: durationMs.default(30_000),
  /** Bytes one fetch of a pipeline consumer may bring, in all and per partition (kafka/fetch-bounds.ts). */
  fetchMaxBytes: integer(1_024, 1_073_741_824).default(2 * 1_024 * 1_024),
  fetchMaxBytesPerPartition: integer(1_024, 1_073_741_824).default(512 * 1_024),
  ssl: boolean.default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
        error: 'expected plain, scram-sha-256 or scram-sha-512',
      }),
      username: z.string().min(1, { error: 'expected a user name' }),
      password: z.string().min(1, { error: 'expected a password' }),
    })
    .optional(),
});

/**
 * Each service's default ops port: distinct, so router, deliverer and monitor run side by side
 * on one host without setting HOOKRAIL_OPS_PORT (containers set 8080 explicitly).
 */
export const DEFAULT_OPS_PORTS = { router: 8081, deliverer: 8082, monitor: 8083 } as const;

/** Health, readiness and /metrics: where they listen. A service passes its own default port. */
export const opsSchema = (defaultPort: number) =>
  z
    .strictObject({
      host: z.string().min(1).default('0.0.0.0'),
      /** 0 picks a free port (tests). */
      port: integer(0, 65_535).default(defaultPort),
    })
    .prefault({});

const tierSchema = (defaults: { slo: number; retries: number }) =>
  z
    .strictObject({
      /** Share of deliveries that must succeed (the SLO target). */
      slo: ratio.default(defaults.slo),
      /** How many rungs of the retry ladder the tier uses (= its retry topics). */
      retries: integer(0, 8).default(defaults.retries),
    })
    .prefault({});

export const topicsSchema = z.strictObject({
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'expected letters, digits, ".", "_" or "-"' })
    .default('hookrail'),
  partitions: integer(1, 10_000).default(6),
  replicationFactor: integer(1, 10).default(1),
  /** `min.insync.replicas` of the topics hookrail creates (unset: the broker's default). */
  minInsyncReplicas: integer(1, 10).optional(),
  /**
   * `max.message.bytes` of every hookrail topic, set explicitly and verified, so the router's
   * max payload can be checked against it (default: Kafka's own default, 1 048 588).
   */
  maxMessageBytes: integer(DELIVERY_RECORD_OVERHEAD_BYTES + 1, 1_000_000_000).default(KAFKA_DEFAULT_MAX_MESSAGE_BYTES),
  /** Retention of tier, retry, attempts, invalid and alerts topics. */
  retentionMs: durationMs.default(7 * 86_400_000),
  /** The DLQ is kept longer: data teams replay from it. */
  dlqRetentionMs: durationMs.default(30 * 86_400_000),
  /** Create missing topics at start-up (off: only verify, fail if missing). */
  create: boolean.default(true),
}).refine((topics) => topics.minInsyncReplicas === undefined || topics.minInsyncReplicas <= topics.replicationFactor, {
  path: ['minInsyncReplicas'],
  error: 'expected at most the replication factor (topics.replicationFactor, HOOKRAIL_TOPIC_REPLICATION_FACTOR): no write could ever succeed',
});

export const baseConfigSchema = z.strictObject({
  // prefault: a missing section is parsed as {} so the error names the missing field inside it.
  kafka: kafkaSchema.prefault({} as z.input<typeof kafkaSchema>),
  topics: topicsSchema.prefault({}),
  tiers: z
    .strictObject({
      1: tierSchema({ slo: 0.9999, retries: 8 }),
      2: tierSchema({ slo: 0.999, retries: 6 }),
      3: tierSchema({ slo: 0.99, retries: 5 }),
    })
    .prefault({}),
  log: z.strictObject({ level: logLevel.default('info') }).prefault({}),
  ops: opsSchema(8080),
  shutdown: z
    .strictObject({ deadlineMs: durationMs.default(30_000) })
    .prefault({}),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;
export type KafkaConfig = z.infer<typeof kafkaSchema>;
export type TopicsConfig = z.infer<typeof topicsSchema>;
export type TierConfig = BaseConfig['tiers'][1];
export type Tier = 1 | 2 | 3;
export const TIERS: readonly Tier[] = [1, 2, 3];

export { topicName };

/** Environment variables every service reads, and where each lands in the config. */
export const baseEnv: Record<string, string> = {
  HOOKRAIL_KAFKA_BROKERS: 'kafka.brokers',
  HOOKRAIL_KAFKA_CLIENT_ID: 'kafka.clientId',
  HOOKRAIL_KAFKA_SSL: 'kafka.ssl',
  HOOKRAIL_KAFKA_FETCH_MAX_BYTES: 'kafka.fetchMaxBytes',
  HOOKRAIL_KAFKA_FETCH_MAX_BYTES_PER_PARTITION: 'kafka.fetchMaxBytesPerPartition',
  HOOKRAIL_KAFKA_SASL_MECHANISM: 'kafka.sasl.mechanism',
  HOOKRAIL_KAFKA_SASL_USERNAME: 'kafka.sasl.username',
  HOOKRAIL_KAFKA_SASL_PASSWORD: 'kafka.sasl.password',
  HOOKRAIL_TOPIC_PREFIX: 'topics.prefix',
  HOOKRAIL_TOPIC_PARTITIONS: 'topics.partitions',
  HOOKRAIL_TOPIC_REPLICATION_FACTOR: 'topics.replicationFactor',
  HOOKRAIL_TOPIC_MIN_INSYNC_REPLICAS: 'topics.minInsyncReplicas',
  HOOKRAIL_TOPIC_MAX_MESSAGE_BYTES: 'topics.maxMessageBytes',
  HOOKRAIL_TOPIC_RETENTION: 'topics.retentionMs',
  HOOKRAIL_DLQ_RETENTION: 'topics.dlqRetentionMs',
  HOOKRAIL_TOPICS_CREATE: 'topics.create',
  HOOKRAIL_LOG_LEVEL: 'log.level',
  HOOKRAIL_OPS_HOST: 'ops.host',
  HOOKRAIL_OPS_PORT: 'ops.port',
  HOOKRAIL_SHUTDOWN_DEADLINE: 'shutdown.deadlineMs',
};
