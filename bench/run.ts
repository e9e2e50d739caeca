// npm run bench: every scenario of issue 5, or one with --scenario NAME; --quick for a smoke
// run with small sizes; --profile to run the services under `node --cpu-prof`.
// Results (JSON, SVG) go to bench/results/; a summary to bench/results/summary.md.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPrevious, type Context, type Scenario } from './src/context.ts';
import { benchKafka, brokers } from './src/kafka.ts';
import { loadAverage, machineInfo } from './src/machine.ts';
import { benchRoot, output, resultsDir } from './src/paths.ts';
import { startReceiver } from './src/receiver.ts';
import { markdownTable, writeScenario, type ScenarioRecord } from './src/report.ts';
import { scenarios } from './src/scenarios/index.ts';
import { experiments, nodeFlags, profiling, serviceEnv } from './src/services.ts';
import { summarizeProfiles } from './src/profile.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    experiment: { type: 'string', multiple: true },
    'node-flag': { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    `usage: npm run bench -- [--scenario NAME]... [--quick] [--profile] [--experiment NAME] [--node-flag=--FLAG] [--env NAME=VALUE]\nscenarios: ${scenarios.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(0);
}

const selected: Scenario[] = values.scenario?.length
  ? values.scenario.map((name) => {
      const found = scenarios.find((s) => s.name === name);
      if (!found) {
        process.stderr.write(`unknown scenario "${name}"; one of: ${scenarios.map((s) => s.name).join(', ')}\n`);
        process.exit(2);
      }
      return found;
    })
  : scenarios;

nodeFlags.push(...(values['node-flag'] ?? []));
for (const setting of values.env ?? []) {
  const match = /^(HOOKRAIL_[A-Z0-9_]+)=(.*)$/.exec(setting);
  if (!match) {
    process.stderr.write(`--env "${setting}": expected HOOKRAIL_NAME=VALUE (a service setting, see the README's configuration table)\n`);
    process.exit(2);
  }
  serviceEnv[match[1]!] = match[2]!;
}
const variant = [
  ...(values.experiment ?? []),
  ...nodeFlags.map((f) => f.replace(/^-+/, '').replace(/[^A-Za-z0-9=.-]/g, '_')),
  ...Object.entries(serviceEnv).map(([name, value]) => `${name.replace(/^HOOKRAIL_/, '').toLowerCase()}=${value.replace(/[^A-Za-z0-9.-]/g, '_')}`),
];
if (values.quick || variant.length || values.profile) {
  output.dir = join(resultsDir, variant.length ? `experiment-${variant.join('+')}${values.quick ? '-quick' : ''}` : values.profile ? `profile${values.quick ? '-quick' : ''}` : 'quick');
}
const runStarted = Date.now();
const loadBefore = loadAverage();
mkdirSync(output.dir, { recursive: true });
if (values.profile) {
  profiling.dir = join(output.dir, 'profiles');
  rmSync(profiling.dir, { recursive: true, force: true });
}
for (const name of values.experiment ?? []) {
  const file = join(benchRoot, 'src/experiments', `${name}.ts`);
  if (!existsSync(file)) {
    process.stderr.write(`unknown experiment "${name}" (bench/src/experiments/)\n`);
    process.exit(2);
  }
  experiments.push(file);
}
const machine = machineInfo();
process.stdout.write(
  `hookrail bench${values.quick ? ' (quick)' : ''}: ${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, Kafka ${machine.kafka}, KafkaJS ${machine.kafkajs}, ${machine.java}\n` +
    `broker ${brokers().join(',')}; load average before: ${loadBefore.join(' ')}\n`,
);

const kafka = benchKafka();
const receiver = await startReceiver();
const memory = new Map<string, Record<string, unknown>>();
const records: ScenarioRecord[] = [];
const failures: string[] = [];
const context: Context = {
  quick: values.quick,
  kafka,
  receiver,
  previous: (scenario) => loadPrevious(memory, scenario),
  log: (message) => process.stdout.write(`  · ${message}\n`),
  size: (full, quick) => (values.quick ? quick : full),
};

const stopping = { signalled: false };
process.on('SIGINT', () => {
  if (stopping.signalled) process.exit(130);
  stopping.signalled = true;
  process.stdout.write('\ninterrupted: finishing the current step, then cleaning up (Ctrl-C again to quit at once)\n');
});

for (const scenario of selected) {
  if (stopping.signalled) break;
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  process.stdout.write(`\n=== ${scenario.name}: ${scenario.title}\n`);
  try {
    await receiver.reset();
    const result = await scenario.run(context);
    memory.set(scenario.name, result.data);
    records.push(writeScenario(result, { quick: values.quick, startedAt, loadBefore: loadAtStart }));
    process.stdout.write(`  (${scenario.name} took ${((Date.now() - startedAt.getTime()) / 1_000).toFixed(0)} s)\n`);
  } catch (error) {
    failures.push(`${scenario.name}: ${(error as Error).stack ?? String(error)}`);
    process.stdout.write(`  ${scenario.name} FAILED: ${(error as Error).stack ?? String(error)}\n`);
  }
}
await receiver.close();

const loadAfter = loadAverage();
const seconds = Math.round((Date.now() - runStarted) / 1_000);
if (profiling.dir) {
  const text = summarizeProfiles([profiling.dir], 5);
  writeFileSync(join(output.dir, 'profiles.md'), text);
  process.stdout.write(`\n${text}\n`);
}
if (selected.length === scenarios.length) {
  const summary = [
    `# hookrail benchmark results${values.quick ? ' (quick mode: small sizes, not representative)' : ''}`,
    '',
    `Run ${new Date(runStarted).toISOString()}, ${Math.floor(seconds / 60)} min ${seconds % 60} s with \`npm run bench${values.quick ? ' -- --quick' : ''}\`.`,
    '',
    `Machine: ${machine.cores} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.os}; Node ${machine.node}; Kafka ${machine.kafka} (single KRaft broker on loopback, ${machine.java}); KafkaJS ${machine.kafkajs}; undici ${machine.undici}; @platformatic/kafka ${machine.platformaticKafka}.`,
    `Load average (1/5/15 min) before: ${loadBefore.join(' ')}; after: ${loadAfter.join(' ')}.`,
    '',
    ...records.flatMap((r) => [
      `## ${r.scenario}: ${r.title}`,
      '',
      r.method,
      '',
      ...r.tables.flatMap((t) => [markdownTable(t), '']),
      ...(r.targets?.length ? ['Targets:', '', ...r.targets.map((t) => `- ${t.target}: ${t.measured} — ${t.met === undefined ? 'n/a' : t.met ? 'met' : '**missed**'}`), ''] : []),
      ...(r.notes?.length ? [...r.notes.map((n) => `- ${n}`), ''] : []),
      ...(r.charts ?? []).map((c) => `![${r.scenario}](${c.file})`),
      '',
    ]),
    ...(failures.length ? ['## Failures', '', ...failures.map((f) => `    ${f.split('\n')[0]}`), ''] : []),
  ].join('\n');
  writeFileSync(join(output.dir, 'summary.md'), summary);
}
process.stdout.write(
  `\nbench finished in ${Math.floor(seconds / 60)} min ${seconds % 60} s; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}` +
    `${failures.length ? `; ${failures.length} scenario(s) failed: ${failures.map((f) => f.split(':')[0]).join(', ')}` : ''}\n`,
);
process.exit(failures.length ? 1 : 0);
