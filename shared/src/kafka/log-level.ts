/** A pino level for one KafkaJS log line. */
export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogLine {
  /** KafkaJS's own level, as a name. */
  level: KafkaLogLevel;
  namespace: string;
  message: string;
  extra: Record<string, unknown>;
}

/**
 * KafkaJS logs at error what it is about to retry: a broker's error response
 * (CONCURRENT_TRANSACTIONS right after a commit, NOT_COORDINATOR while a coordinator moves),
 * a send it will retry. Those are normal operation; the caller sees the error if the retries
 * run out, and hookrail logs it then. So: retries in progress at debug, KafkaJS's
 * default-partitioner notice at debug (hookrail keys every record; no behaviour depends on
 * it), a lost connection at warn; the rest as KafkaJS says.
 */
export function kafkaLogLevel(line: KafkaLogLine): KafkaLogLevel {
  if (line.message.includes('switched default partitioner')) return 'debug';
  if (line.namespace === 'Connection' && line.message.startsWith('Response ')) return 'debug';
  const retrying = typeof line.extra.retryCount === 'number' && !line.message.startsWith('Restarting the consumer');
  if (retrying) return 'debug';
  if (line.level === 'error' && /^Connection (error|timeout)/.test(line.message)) return 'warn';
  if (line.level === 'info') return 'debug';
  return line.level;
}
