import { pino, type Logger, type LoggerOptions } from 'pino';

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

/** JSON logs on stdout, one line per event, secrets redacted. */
export function createLogger(service: string, level: LoggerOptions['level'] = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
