// Three services on one host with no ports configured: each has its own default ops port.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_OPS_PORTS, loadConfig } from '@hookrail/shared';
import { delivererConfigSchema, delivererEnv } from '../services/deliverer/src/config.ts';
import { monitorConfigSchema, monitorEnv } from '../services/monitor/src/config.ts';
import { routerConfigSchema, routerEnv } from '../services/router/src/config.ts';

const env = { HOOKRAIL_KAFKA_BROKERS: '127.0.0.1:9092', HOOKRAIL_ROUTER_SOURCE_TOPICS: 'shop.events' };

describe('default ops ports', () => {
  it('are 8081, 8082 and 8083 for router, deliverer and monitor', () => {
    assert.equal(loadConfig(routerConfigSchema, { envMap: routerEnv, env }).ops.port, 8081);
    assert.equal(loadConfig(delivererConfigSchema, { envMap: delivererEnv, env }).ops.port, 8082);
    assert.equal(loadConfig(monitorConfigSchema, { envMap: monitorEnv, env }).ops.port, 8083);
    assert.equal(new Set(Object.values(DEFAULT_OPS_PORTS)).size, 3);
  });

  it('give way to HOOKRAIL_OPS_PORT', () => {
    assert.equal(loadConfig(delivererConfigSchema, { envMap: delivererEnv, env: { ...env, HOOKRAIL_OPS_PORT: '9000' } }).ops.port, 9000);
  });
});
