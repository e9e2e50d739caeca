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
  const spilled = meter.createCounter('hookrail.destination.spilled', {
    description: 'Deliveries that left their lane unattempted because their endpoint was saturated (spilled to a delay topic), per endpoint',
    unit: '{delivery}',
  });
  return {
    onSpill(destination: string) {
      spilled.add(1, { [DESTINATION]: destination });
    },
    onTransition(destination: string, from: BreakerState, to: BreakerState) {
      transitions.add(1, { [DESTINATION]: destination, 'hookrail.breaker.state': to });
      const line = { destination, from, to };
      if (to === 'open') logger.warn(line, 'circuit breaker opened: no requests to this destination until the cool-down ends');
      else logger.info(line, `circuit breaker ${to}`);
    },
    /** Deliveries of each endpoint held in the process's lanes now: what a saturated one takes of the buffers. */
    observeBuffered(buffered: () => Map<string, number>) {
      meter
        .createObservableGauge('hookrail.destination.buffered', { description: "Deliveries of the endpoint in the deliverer's lanes (waiting, queued or in flight), per endpoint", unit: '{delivery}' })
        .addCallback((result) => {
          for (const [destination, count] of buffered()) result.observe(count, { [DESTINATION]: destination });
        });
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
