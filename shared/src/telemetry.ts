import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { withUnitSuffixes } from './prometheus-names.ts';

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
  const serializer = new PrometheusSerializer('', false);
  return {
    meter: provider.getMeter(`hookrail.${service}`, version),
    handleMetrics: (_request, response) => {
      // Serialized here rather than by the exporter so names get their unit suffixes.
      exporter.collect().then(
        ({ resourceMetrics }) => {
          response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(serializer.serialize(withUnitSuffixes(resourceMetrics)));
        },
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`# failed to collect metrics: ${String(error)}\n`),
      );
    },
    shutdown: () => provider.shutdown(),
  };
}
