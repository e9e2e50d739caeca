import {
  baseConfigSchema,
  baseEnv,
  ConfigError,
  createKafka,
  createLogger,
  loadConfig,
  topicNames,
  type BaseConfig,
  type TopicNames,
} from '@hookrail/shared';
import type { Kafka } from 'kafkajs';

export interface CliContext {
  config: BaseConfig;
  kafka: Kafka;
  topics: TopicNames;
}

/** Global flags every command takes; they override env and the config file. */
export interface GlobalOptions {
  brokers?: string;
  prefix?: string;
  config?: string;
}

export function cliContext(options: GlobalOptions): CliContext {
  const overrides: Record<string, unknown> = {};
  if (options.brokers) overrides['kafka.brokers'] = options.brokers;
  if (options.prefix) overrides['topics.prefix'] = options.prefix;
  const config = loadConfig(baseConfigSchema, { envMap: baseEnv, file: options.config, overrides });
  const logger = createLogger('cli', process.env.HOOKRAIL_LOG_LEVEL || 'error');
  return { config, kafka: createKafka(config.kafka, logger, 'hookrail-cli'), topics: topicNames(config.topics.prefix) };
}

/** Prints a ConfigError (or any error) as one clear message and exits non-zero. */
export function reportAndExit(error: unknown): never {
  const message = error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`hookrail: ${message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
