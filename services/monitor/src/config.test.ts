import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '@hookrail/shared';
import { monitorConfigSchema, monitorEnv } from './config.ts';

const load = (env: Record<string, string>) => loadConfig(monitorConfigSchema, { envMap: monitorEnv, env: { HOOKRAIL_KAFKA_BROKERS: '127.0.0.1:9092', ...env } });

describe('monitor configuration: external and runbook URLs', () => {
  it('reads them from the environment; unset, the monitor derives them', () => {
    const config = load({ HOOKRAIL_MONITOR_EXTERNAL_URL: 'https://status.example.com', HOOKRAIL_MONITOR_RUNBOOK_URL: 'https://wiki.example.com/hookrail/runbooks' });
    assert.equal(config.monitor.externalUrl, 'https://status.example.com');
    assert.equal(config.monitor.runbookUrl, 'https://wiki.example.com/hookrail/runbooks');
    assert.equal(load({}).monitor.externalUrl, undefined);
  });

  it('refuses a value that is not an http(s) URL, naming the field and the variable', () => {
    assert.throws(
      () => load({ HOOKRAIL_MONITOR_EXTERNAL_URL: 'vm:8080' }),
      (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.includes('monitor.externalUrl') && p.includes('expected an http:// or https:// URL') && p.includes('HOOKRAIL_MONITOR_EXTERNAL_URL')),
    );
  });
});
