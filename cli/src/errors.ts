import { ConfigError, SubscriptionError } from '@hookrail/shared';
import { CommanderError } from 'commander';
import kafkajs from 'kafkajs';

// kafkajs is CommonJS; Node's ESM loader does not see its classes by name.
const { KafkaJSError } = kafkajs;

/** The CLI's exit codes (README, "Using it"). */
export const CLI_EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 4, interrupted: 130 } as const;

/** A failure the user can act on: printed as one line (no stack), exits with its code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = CLI_EXIT.failed) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The line and exit code for any error a command ends with. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CommanderError) return { message: '', exitCode: error.exitCode === 0 ? CLI_EXIT.ok : CLI_EXIT.usage };
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigError) {
    const hint = error.problems.some((p) => p.startsWith('kafka.brokers')) ? '\n  (or pass --brokers host:port)' : '';
    return { message: `${error.message}${hint}`, exitCode: CLI_EXIT.usage };
  }
  if (error instanceof SubscriptionError) return { message: error.message, exitCode: CLI_EXIT.usage };
  if (error instanceof KafkaJSError) return { message: `Kafka: ${kafkaMessage(error)}`, exitCode: CLI_EXIT.failed };
  if ((error as NodeJS.ErrnoException)?.code === 'ENOENT') return { message: (error as Error).message, exitCode: CLI_EXIT.usage };
  return { message: error instanceof Error ? error.message : String(error), exitCode: CLI_EXIT.failed };
}

/** KafkaJS wraps the error that mattered (retries exhausted → the last cause). */
function kafkaMessage(error: Error): string {
  let innermost: Error = error;
  for (let cause = (error as { cause?: unknown }).cause; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) innermost = cause;
  const broker = (innermost as { broker?: string }).broker;
  return innermost === error ? error.message : `${error.message}: ${innermost.message}${broker ? ` (${broker})` : ''}`;
}

/** Prints the failure as one line on stderr and exits with its code. */
export function reportAndExit(error: unknown): never {
  const { message, exitCode } = describeFailure(error);
  if (message) process.stderr.write(`hookrail: ${message}\n`);
  process.exit(exitCode);
}
