import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * OpenTelemetry units with a Prometheus base-unit suffix, as the OpenTelemetry specification's
 * "Prometheus and OpenMetrics compatibility" maps them. Annotations (`{message}`) and the
 * dimensionless `1` add nothing.
 */
const SUFFIXES: Readonly<Record<string, string>> = {
  s: 'seconds',
  ms: 'milliseconds',
  min: 'minutes',
  h: 'hours',
  d: 'days',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
};

/** `hookrail.consumer.time_lag` in `s` → `hookrail.consumer.time_lag_seconds`; unchanged when it already ends so. */
export function prometheusName(name: string, unit: string | undefined): string {
  const suffix = unit ? SUFFIXES[unit] : undefined;
  if (!suffix || name.endsWith(`_${suffix}`) || name.endsWith(`.${suffix}`)) return name;
  return `${name}_${suffix}`;
}

/**
 * The collected metrics with unit suffixes on their names, so the exposition follows
 * Prometheus naming (`_seconds`, then the serializer's `_total`) while the instruments keep
 * their OpenTelemetry names. The JS Prometheus exporter does not do this itself (0.301).
 */
export function withUnitSuffixes(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    ...resourceMetrics,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      ...scope,
      metrics: scope.metrics.map((metric) => ({
        ...metric,
        descriptor: { ...metric.descriptor, name: prometheusName(metric.descriptor.name, metric.descriptor.unit) },
      })),
    })),
  };
}
