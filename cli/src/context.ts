import { createKafka, createLogger, loadConfig, topicNames, unreachableBrokers, unreachableMessage, type TopicNames } from '@hookrail/shared';
import type { Kafka } from 'kafkajs';
import { cliConfigSchema, cliEnv, type CliConfig } from './config.ts';
import { CLI_EXIT, CliError } from './errors.ts';

export interface CliContext {
  config: CliConfig;
  kafka: Kafka;
  topics: TopicNames;
}

/** Global flags every command takes; they override env and the config file. */
export interface GlobalOptions {
  brokers?: string;
  prefix?: string;
  config?: string;
}

/**
 * Config (file, env, flags) and a Kafka client. KafkaJS's own log lines go to stderr, and only
 * when HOOKRAIL_LOG_LEVEL asks for them: a command's stdout is its own output.
 */
export function cliContext(options: GlobalOptions): CliContext {
  const overrides: Record<string, unknown> = {};
  if (options.brokers) overrides['kafka.brokers'] = options.brokers;
  if (options.prefix) overrides['topics.prefix'] = options.prefix;
  const config = loadConfig(cliConfigSchema, { envMap: cliEnv, file: options.config, overrides });
  const logger = createLogger('cli', process.env.HOOKRAIL_LOG_LEVEL || 'silent', process.stderr);
  // A shorter request timeout than the services': a person is waiting for the answer.
  const kafka = createKafka({ ...config.kafka, requestTimeoutMs: Math.min(config.kafka.requestTimeoutMs, 10_000) }, logger, 'hookrail-cli');
  return { config, kafka, topics: topicNames(config.topics.prefix) };
}

/**
 * cliContext, once a bootstrap server answers: otherwise one line, within seconds, naming the
 * addresses tried and how to point the CLI at the right ones (exit 4).
 */
export async function connectedContext(options: GlobalOptions): Promise<CliContext> {
  const context = cliContext(options);
  const brokers = context.config.kafka.brokers;
  const failures = await unreachableBrokers(brokers);
  if (failures) {
    throw new CliError(
      unreachableMessage(failures, 'Start a broker (npm run kafka -- start) or point hookrail at yours with HOOKRAIL_KAFKA_BROKERS=host:port or --brokers'),
      CLI_EXIT.unreachable,
    );
  }
  return context;
}
