import type { KafkaConfig } from '../config/base.ts';

/**
 * How much one fetch may bring into memory (KafkaJS `maxBytes` and `maxBytesPerPartition`;
 * KafkaJS's own defaults are 10 MiB and 1 MiB). Records stay views of their fetch response's
 * buffer, so a consumer holding records from many responses holds all of those buffers: with
 * a backlog this is most of a service's memory outside the V8 heap (docs/performance.md).
 * A record larger than the bound still comes, alone (the broker always returns one batch).
 */
export interface FetchBounds {
  maxBytes: number;
  maxBytesPerPartition: number;
}

export function fetchBounds(kafka: Pick<KafkaConfig, 'fetchMaxBytes' | 'fetchMaxBytesPerPartition'>): FetchBounds {
  return { maxBytes: kafka.fetchMaxBytes, maxBytesPerPartition: kafka.fetchMaxBytesPerPartition };
}
