// The Prometheus rule file carries the monitor's rules: promtool must accept it and its unit
// tests must pass (Debian's `prometheus` package brings promtool; CI installs it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RULE_NAMES } from '@hookrail/monitor';
import { repoRoot } from './support/kafka.ts';
import { promtool, tool } from './support/monitor.ts';
import { spawnSync } from 'node:child_process';

describe('monitor: Prometheus rules', () => {
  it('promtool check rules deploy/prometheus/rules.yml', async () => {
    const result = await promtool(['check', 'rules', 'deploy/prometheus/rules.yml']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('promtool test rules deploy/prometheus/rules.test.yml', async () => {
    const result = await promtool(['test', 'rules', 'deploy/prometheus/rules.test.yml']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('promtool check config deploy/prometheus.yml (the compose stack\'s Prometheus, rules included)', async () => {
    const result = await promtool(['check', 'config', 'deploy/prometheus.yml']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('amtool check-config deploy/alertmanager/alertmanager.yml (the compose stack\'s Alertmanager)', () => {
    const result = spawnSync(tool('/usr/bin/amtool', 'amtool'), ['check-config', 'deploy/alertmanager/alertmanager.yml'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('every alert links its runbook section', () => {
    const rules = readFileSync(join(repoRoot, 'deploy/prometheus/rules.yml'), 'utf8');
    for (const name of Object.values(RULE_NAMES)) assert.match(rules, new RegExp(`runbook_url: '.+/runbooks\\.html#${name.toLowerCase()}'`), name);
  });

  it('has an alert for every rule the monitor evaluates, by the same name', () => {
    const rules = readFileSync(join(repoRoot, 'deploy/prometheus/rules.yml'), 'utf8');
    for (const name of Object.values(RULE_NAMES)) assert.match(rules, new RegExp(`- alert: ${name}$`, 'm'), name);
  });
});
