import type { Kafka } from 'kafkajs';
import type { z } from 'zod';
import type { BaseConfig } from './config/base.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { createKafka } from './kafka/client.ts';
import { exitUnlessBrokerReachable } from './kafka/reachable.ts';
import { retryTransient } from './kafka/retry-transient.ts';
import { createLogger, type Logger } from './logging.ts';
import { startOpsServer, type OpsServer } from './ops-server.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';
import { ensureTopics } from './topics/ensure.ts';
import { topicNames, type TopicNames } from './topics/names.ts';
import { hookrailTopicSpecs } from './topics/specs.ts';

export interface ServiceContext<C extends BaseConfig> {
  readonly config: C;
  readonly logger: Logger;
  readonly kafka: Kafka;
  readonly telemetry: Telemetry;
  readonly ops: OpsServer;
  readonly topics: TopicNames;
  /** Stops the process after a failure it cannot recover from (the orchestrator restarts it). */
  fail(error: unknown): void;
}

export interface RunningService {
  /** Stop fetching, finish or hand back in-flight work, commit, disconnect. */
  stop(): Promise<void>;
}

export interface ServiceDefinition<S extends z.ZodType<BaseConfig>> {
  readonly name: string;
  readonly schema: S;
  readonly envMap: Record<string, string>;
  start(context: ServiceContext<z.infer<S>>): Promise<RunningService>;
}

/** Exit codes a supervisor can tell apart. */
export const EXIT = { ok: 0, failed: 1, badConfig: 2, deadline: 3 } as const;

/**
 * Runs a service: config → logger → telemetry → ops port → topics → start → ready; on
 * SIGTERM/SIGINT stops within the configured deadline and exits 0. A service's main is one
 * call to this.
 */
export async function runService<S extends z.ZodType<BaseConfig>>(
  definition: ServiceDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  let config: z.infer<S>;
  try {
    config = loadConfig(definition.schema, { envMap: definition.envMap, env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`hookrail-${definition.name}: ${error.message}\n`);
    process.exit(EXIT.badConfig);
  }

  const logger = createLogger(definition.name, config.log.level);
  const telemetry = createTelemetry(definition.name);
  let running: RunningService | undefined;
  let stopping = false;

  const exit = (code: number) => {
    // pino writes synchronously to stdout, so nothing is lost by exiting right away.
    process.exit(code);
  };
  const fail = (error: unknown) => {
    logger.fatal({ err: error }, 'fatal error, exiting');
    exit(EXIT.failed);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);

  const ops = await startOpsServer({ host: config.ops.host, port: config.ops.port, telemetry });
  logger.info({ opsPort: ops.port }, 'starting');
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      exit(EXIT.failed);
    }
    stopping = true;
    ops.setReady(false, 'stopping');
    const deadlineMs = config.shutdown.deadlineMs;
    logger.info({ signal, deadlineMs }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed, exiting with work unfinished');
      exit(EXIT.deadline);
    }, deadlineMs);
    try {
      await running?.stop();
      await telemetry.shutdown();
      await ops.close();
      clearTimeout(deadline);
      logger.info('stopped');
      exit(EXIT.ok);
    } catch (error) {
      fail(error);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await exitUnlessBrokerReachable(config.kafka.brokers, logger);
    const kafka = createKafka(config.kafka, logger, `hookrail-${definition.name}`);
    // A node of a cluster that just went down is still listed (as a leader, as the controller
    // the admin asks) until the cluster fences it: KafkaJS fails such a call at once. Each
    // attempt is a fresh admin, so it starts from fresh metadata.
    const report = await retryTransient(
      'checking the topics',
      async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          return await ensureTopics(admin, hookrailTopicSpecs(config), { create: config.topics.create });
        } finally {
          await admin.disconnect();
        }
      },
      { onRetry: (error, attempt, delayMs) => logger.warn({ err: error, attempt, delayMs }, 'a broker did not answer while checking the topics; trying again') },
    );
    if (report.created.length > 0) logger.info({ topics: report.created }, 'created topics');
    for (const problem of report.problems) logger[problem.severity === 'error' ? 'error' : 'warn'](problem, problem.message);
    if (report.problems.some((problem) => problem.severity === 'error')) {
      throw new Error('topics do not match what hookrail needs (see the errors above)');
    }
    const context: ServiceContext<z.infer<S>> = {
      config,
      logger,
      kafka,
      telemetry,
      ops,
      topics: topicNames(config.topics.prefix),
      fail,
    };
    running = await definition.start(context);
    if (stopping) return; // a signal came during start; shutdown() stops what started
    ops.setReady(true);
    logger.info({ opsPort: ops.port }, 'ready');
  } catch (error) {
    fail(error);
  }
}
