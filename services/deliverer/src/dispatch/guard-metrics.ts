import { BREAKER_STATE_CODE, type BreakerState, type Logger, type Telemetry } from '@hookrail/shared';
import type { DestinationGuard } from './destination-guard.ts';


const DESTINATION = 'hookrail.destination';

/**
 * The guard's state as OpenTelemetry metrics (`hookrail_destination_breaker_state`,
 * `hookrail_destination_inflight_limit`, `hookrail_destination_breaker_transitions_total`) and
 * a log line per breaker transition.
 */
export function guardTelemetry(meter: Telemetry['meter'], logger: Logger) {
  const transitions = meter.createCounter('hookrail.destination.breaker.transitions', {
    description: 'Circuit breaker state changes per destination, by the state entered',
    unit: '{transition}',
  });
  return {
    onTransition(destination: string, from: BreakerState, to: BreakerState) {
      transitions.add(1, { [DESTINATION]: destination, 'hookrail.breaker.state': to });
      const line = { destination, from, to };
      if (to === 'open') logger.warn(line, 'circuit breaker opened: no requests to this destination until the cool-down ends');
      else logger.info(line, `circuit breaker ${to}`);
    },
    observe(guard: DestinationGuard) {
      meter
        .createObservableGauge('hookrail.destination.breaker.state', { description: 'Circuit breaker per destination: 0 closed, 1 half-open, 2 open', unit: '1' })
        .addCallback((result) => {
          for (const d of guard.all()) result.observe(BREAKER_STATE_CODE[d.breaker], { [DESTINATION]: d.destination });
        });
      meter
        .createObservableGauge('hookrail.destination.inflight.limit', { description: 'Adaptive limit of requests in flight per destination', unit: '{request}' })
        .addCallback((result) => {
          for (const d of guard.all()) result.observe(d.limit, { [DESTINATION]: d.destination });
        });
    },
  };
}
