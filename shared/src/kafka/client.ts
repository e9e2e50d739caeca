import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type LogEntry } from 'kafkajs';
import type { KafkaConfig } from '../config/base.ts';
import type { Logger } from '../logging.ts';
import { assertKafkaJsPatched } from './kafkajs-patch.ts';
import { kafkaLogLevel, type KafkaLogLevel } from './log-level.ts';

const LEVEL_NAMES: Record<number, KafkaLogLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A KafkaJS client whose own log lines go through the service's pino logger. */
/** The client needs the connection settings only; the fetch bounds go to each consumer. */
export function createKafka(config: Omit<KafkaConfig, 'fetchMaxBytes' | 'fetchMaxBytesPerPartition'>, logger: Logger, clientId = config.clientId): Kafka {
  assertKafkaJsPatched();
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const options: KafkaJsConfig = {
    clientId,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    ssl: config.ssl,
    // KafkaJS's INFO is chatty (every join and commit): passed on, at debug, only when the
    // service logs at debug.
    logLevel: kafkaLogger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator:
      () =>
      ({ level, namespace, log }: LogEntry) => {
        const { message, stack, ...extra } = log;
        const pinoLevel = kafkaLogLevel({ level: LEVEL_NAMES[level] ?? 'info', namespace, message, extra });
        // KafkaJS attaches the stack of a refused connection: noise except when debugging.
        kafkaLogger[pinoLevel]({ namespace, ...extra, ...(pinoLevel === 'debug' && stack ? { stack } : {}) }, message);
      },
    retry: { initialRetryTime: 200, retries: 10 },
  };
  if (config.sasl) {
    options.sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password: config.sasl.password,
    } as KafkaJsConfig['sasl'];
  }
  return new Kafka(options);
}
