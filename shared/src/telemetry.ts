import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface Telemetry {
  readonly meter: Meter;
  /** Serves the Prometheus text exposition (mounted on /metrics by the ops server). */
  handleMetrics(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry metrics for one service, read by a Prometheus exporter that does not open its
 * own port: the ops server serves it beside /healthz and /readyz.
 */
export function createTelemetry(service: string, version = '0.1.0'): Telemetry {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: `hookrail-${service}`,
      [ATTR_SERVICE_VERSION]: version,
    }),
    readers: [exporter],
  });
  metrics.setGlobalMeterProvider(provider);
  return {
    meter: provider.getMeter(`hookrail.${service}`, version),
    handleMetrics: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => provider.shutdown(),
  };
}
