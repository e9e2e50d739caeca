import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prometheusName } from './prometheus-names.ts';

describe('prometheusName: unit suffixes on export', () => {
  it('adds the Prometheus base unit of a duration or a size', () => {
    assert.equal(prometheusName('hookrail.consumer.time_lag', 's'), 'hookrail.consumer.time_lag_seconds');
    assert.equal(prometheusName('http.client.request.duration', 's'), 'http.client.request.duration_seconds');
    assert.equal(prometheusName('process.memory', 'By'), 'process.memory_bytes');
  });

  it('adds nothing for counts, ratios or a name that already ends in its unit', () => {
    assert.equal(prometheusName('hookrail.consumer.lag', '{message}'), 'hookrail.consumer.lag');
    assert.equal(prometheusName('hookrail.delivery.success_ratio', '1'), 'hookrail.delivery.success_ratio');
    assert.equal(prometheusName('hookrail.wait_seconds', 's'), 'hookrail.wait_seconds');
    assert.equal(prometheusName('hookrail.anything', undefined), 'hookrail.anything');
  });
});
