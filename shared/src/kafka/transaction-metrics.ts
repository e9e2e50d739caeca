import type { Attributes, Meter } from '@opentelemetry/api';
import type { TransactionReport } from './parallel/commit-loop.ts';

/**
 * The commit loop's transactions as metrics (docs/monitoring.md, "The services' own metrics"):
 * at a steady rate a delivery's latency is mostly its two transactional hops, so their duration
 * is what an SRE looks at when latency rises with the broker's load. Instruments are made once
 * per meter; the function returned gives each commit loop its callback, with its attributes.
 */
export function transactionMetrics(meter: Meter): (attributes: Attributes) => (transaction: TransactionReport) => void {
  const duration = meter.createHistogram('hookrail.kafka.transaction.duration', {
    description: 'Kafka transactions of the commit loop, begin to commit (or failure)',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
  });
  const records = meter.createCounter('hookrail.kafka.transaction.records', {
    description: 'Records produced in committed transactions of the commit loop',
    unit: '{record}',
  });
  return (attributes) => (transaction) => {
    duration.record(transaction.durationMs / 1_000, { ...attributes, 'hookrail.outcome': transaction.outcome });
    if (transaction.outcome === 'committed') records.add(transaction.records, attributes);
  };
}
