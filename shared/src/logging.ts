import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

// Paths whose values never reach a log line: signing secrets, broker credentials, auth headers.
const REDACT = [
  'secret',
  'secrets',
  'password',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.*.secret',
  '*.*.secrets',
  '*.*.password',
  'headers.authorization',
  '*.headers.authorization',
  'config.kafka.sasl',
];

/** JSON logs on stdout (or `destination`: the CLI logs to stderr), one line per event, secrets redacted. */
export function createLogger(service: string, level: LoggerOptions['level'] = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
