// The Helm chart (deploy/helm/hookrail) against the services it deploys: `helm lint`, then
// `helm template` with the default values and with every option on, and for the rendered
// objects: each validates against Kubernetes' schemas (kubernetes-models, and the Prometheus
// operator's and Strimzi's CRD models); every environment variable a container gets is one its
// service reads, and the whole configuration (variables, Secrets, the config file) passes the
// service's own config schema; probes and Services point at the port the service listens on;
// the grace period outlasts the shutdown deadline; the PrometheusRule is deploy/prometheus/rules.yml;
// the KafkaTopics are exactly the topics hookrail creates. Needs helm (.ci/run installs it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { baseConfigSchema, baseEnv, hookrailTopicSpecs, loadConfig } from '@hookrail/shared';
import { delivererConfigSchema, delivererEnv } from '../services/deliverer/src/config.ts';
import { monitorConfigSchema, monitorEnv } from '../services/monitor/src/config.ts';
import { routerConfigSchema, routerEnv } from '../services/router/src/config.ts';
import { repoRoot } from './support/kafka.ts';

const CHART = join(repoRoot, 'deploy/helm/hookrail');

/** What each main file reads: its env map and its schema. */
const SERVICES: Record<string, { envMap: Record<string, string>; schema: z.ZodType }> = {
  'services/router/src/main.ts': { envMap: routerEnv, schema: routerConfigSchema },
  'services/deliverer/src/main.ts': { envMap: delivererEnv, schema: delivererConfigSchema },
  'services/monitor/src/main.ts': { envMap: monitorEnv, schema: monitorConfigSchema },
  'cli/src/main.ts': { envMap: baseEnv, schema: baseConfigSchema },
};
/** Read by every process besides its env map (shared/src/config/load.ts). */
// NODE_OPTIONS is read by Node itself (the heap bounds of values.yaml nodeOptions).
const READ_BY_ALL = ['HOOKRAIL_CONFIG', 'NODE_OPTIONS'];

/** Every option on: SASL, two deliverer pools, the operator objects, Strimzi, subscriptions. */
const EVERYTHING = {
  kafka: { brokers: 'b-1.kafka:9093,b-2.kafka:9093', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'hookrail', password: 'p4ss' } },
  topics: { create: false, replicationFactor: 3, retention: '3d' },
  router: { sourcePattern: '^shop\\..*', env: { HOOKRAIL_ROUTER_ID_HEADER: 'ce_id' } },
  deliverer: {
    pools: [{ name: 'critical', tiers: [1], replicas: 3 }, { name: 'bulk', tiers: [2, 3], replicas: 2 }],
    http: { requireHttps: false, allow: ['private'] },
    env: { HOOKRAIL_DELIVERER_DRAIN: '10s' },
  },
  monitor: { alertsWebhookUrl: 'http://alertmanager:9093/api/v2/alerts' },
  serviceMonitor: { enabled: true },
  prometheusRule: { enabled: true },
  strimzi: { enabled: true, cluster: 'main' },
  subscriptions: {
    apply: true,
    items: [{ id: 'orders', source: 'shop', destination: 'wh', url: 'https://wh.example.com/hook', eventTypes: ['order.*'], tier: 1, secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`] }],
  },
};

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

const helmPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
const scratch = mkdtempSync(join(tmpdir(), 'hookrail-helm-'));

function helm(args: string[]): string {
  const result = spawnSync('helm', args, { encoding: 'utf8', cwd: repoRoot });
  assert.equal(result.status, 0, `helm ${args.join(' ')}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function render(values?: object): K8sObject[] {
  const args = ['template', 'hookrail', CHART, '--namespace', 'webhooks'];
  if (values) {
    const file = join(scratch, 'values.yaml');
    writeFileSync(file, JSON.stringify(values));
    args.push('--values', file);
  }
  return parseAllDocuments(helm(args)).map((doc) => doc.toJS() as K8sObject).filter(Boolean);
}

/** kubernetes-models (and its CRD packages) for apiVersion + kind. */
async function modelOf(object: K8sObject): Promise<new (data: object) => { validate(): void }> {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const module =
    group === 'monitoring.coreos.com' ? `@kubernetes-models/prometheus-operator/${object.apiVersion}`
    : group === 'kafka.strimzi.io' ? `@kubernetes-models/strimzi-kafka-operator/${object.apiVersion}`
    : group === '' ? `kubernetes-models/${version}`
    : `kubernetes-models/${object.apiVersion}`;
  const exports = (await import(module)) as Record<string, new (data: object) => { validate(): void }>;
  const model = exports[object.kind];
  assert.ok(model, `no model for ${object.apiVersion} ${object.kind}`);
  return model;
}

/** Pod templates (Deployments and Jobs) with their kind/name. */
function podsOf(objects: K8sObject[]) {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .map((o) => ({ owner: `${o.kind} ${o.metadata.name}`, object: o, pod: o.spec.template }));
}

/** A container's environment as the kubelet would give it, with the pod name for fieldRefs. */
function environmentOf(container: any, objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const found = objects.find((o) => o.kind === (source.configMapRef ? 'ConfigMap' : 'Secret') && o.metadata.name === ref.name);
    assert.ok(found, `envFrom ${ref.name} is not rendered`);
    Object.assign(env, found.data ?? found.stringData);
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[entry.name] = 'hookrail-pod-7d9f-x2x4q';
    else assert.fail(`env ${entry.name}: unexpected valueFrom ${JSON.stringify(entry.valueFrom)}`);
  }
  return env;
}

/** The files a container sees from ConfigMap / Secret volumes, written to scratch paths. */
function mountedFile(path: string, pod: any, container: any, objects: K8sObject[]): string {
  const mount = container.volumeMounts.find((m: any) => path.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `${path} is not mounted`);
  const volume = pod.spec.volumes.find((v: any) => v.name === mount.name);
  const source = volume.configMap ? { kind: 'ConfigMap', name: volume.configMap.name } : { kind: 'Secret', name: volume.secret.secretName };
  const object = objects.find((o) => o.kind === source.kind && o.metadata.name === source.name);
  assert.ok(object, `volume ${mount.name}: ${source.kind} ${source.name} is not rendered`);
  const text = (object.data ?? object.stringData)[path.slice(mount.mountPath.length + 1)];
  assert.equal(typeof text, 'string', `${path} is not in ${source.kind} ${source.name}`);
  const file = join(scratch, `${source.name}-${path.replaceAll('/', '_')}`);
  writeFileSync(file, text);
  return file;
}

describe('helm chart deploy/helm/hookrail', { skip: helmPath.error ? `helm is not installed (${helmPath.error.message}); .ci/run installs it` : false }, () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes helm lint, with the default values and with every option on', () => {
    helm(['lint', '--strict', CHART]);
    const file = join(scratch, 'everything.yaml');
    writeFileSync(file, JSON.stringify(EVERYTHING));
    helm(['lint', '--strict', CHART, '--values', file]);
  });

  for (const [name, values] of [['default values', undefined], ['every option on', EVERYTHING]] as const) {
    describe(`rendered with ${name}`, () => {
      const objects = render(values);

      it('validates every object against the Kubernetes schemas', async () => {
        for (const object of objects) {
          const Model = await modelOf(object);
          assert.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`);
        }
        if (!values) console.log(`helm template (default values): ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
      });

      it('sets only variables the services read, and a configuration their schemas accept', () => {
        for (const { owner, pod } of podsOf(objects)) {
          for (const container of pod.spec.containers) {
            const service = SERVICES[container.args[0]];
            assert.ok(service, `${owner}: unknown main file ${container.args[0]}`);
            const env = environmentOf(container, objects);
            const unread = Object.keys(env).filter((n) => !(n in service.envMap) && !READ_BY_ALL.includes(n));
            assert.deepEqual(unread, [], `${owner} sets variables ${container.args[0]} does not read`);
            const file = env.HOOKRAIL_CONFIG ? mountedFile(env.HOOKRAIL_CONFIG, pod, container, objects) : undefined;
            assert.doesNotThrow(() => loadConfig(service.schema, { envMap: service.envMap, env, file }), owner);
            if (container.args[0] === 'cli/src/main.ts') {
              const subscriptions = mountedFile(container.args.at(-1) === '--prune' ? container.args.at(-2) : container.args.at(-1), pod, container, objects);
              assert.ok(parse(readFileSync(subscriptions, 'utf8')).subscriptions.length > 0, `${owner}: no subscriptions`);
            }
          }
        }
      });

      it('probes and Services reach the port the services listen on; the grace period outlasts the deadline', () => {
        const deployments = objects.filter((o) => o.kind === 'Deployment');
        assert.ok(deployments.length >= 3, 'router, deliverer and monitor Deployments');
        for (const deployment of deployments) {
          const pod = deployment.spec.template;
          const [container] = pod.spec.containers;
          const service = SERVICES[container.args[0]]!;
          const env = environmentOf(container, objects);
          const config = loadConfig(service.schema, { envMap: service.envMap, env, file: mountedFile(env.HOOKRAIL_CONFIG!, pod, container, objects) }) as { ops: { port: number }; shutdown: { deadlineMs: number } };
          const ops = container.ports.find((p: any) => p.name === 'ops');
          assert.equal(ops.containerPort, config.ops.port, `${deployment.metadata.name}: containerPort vs HOOKRAIL_OPS_PORT`);
          assert.equal(container.livenessProbe.httpGet.path, '/healthz');
          assert.equal(container.readinessProbe.httpGet.path, '/readyz');
          for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) assert.equal(probe.httpGet.port, 'ops');
          assert.ok(pod.spec.terminationGracePeriodSeconds * 1_000 > config.shutdown.deadlineMs, `${deployment.metadata.name}: grace period vs shutdown deadline`);
          assert.ok(container.resources.requests.memory && container.resources.limits.memory, `${deployment.metadata.name}: memory request and limit`);

          const selected = objects.filter((o) => o.kind === 'Service' && Object.entries(o.spec.selector).every(([k, v]) => pod.metadata.labels[k] === v));
          assert.equal(selected.length, 1, `${deployment.metadata.name}: one Service`);
          assert.equal(selected[0]!.spec.ports[0].targetPort, 'ops');
          const budget = objects.find((o) => o.kind === 'PodDisruptionBudget' && Object.entries(o.spec.selector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v));
          if (container.args[0] === 'services/monitor/src/main.ts') {
            assert.equal(deployment.spec.replicas, 1);
            assert.equal(deployment.spec.strategy.type, 'Recreate', 'never two monitors');
          } else {
            assert.ok(budget, `${deployment.metadata.name}: a PodDisruptionBudget`);
            assert.ok(env.HOOKRAIL_INSTANCE_ID, `${deployment.metadata.name}: an instance id per pod`);
          }
        }
      });

      if (values) {
        it('carries deploy/prometheus/rules.yml as the PrometheusRule and hookrail\'s topics as KafkaTopics', () => {
          const rule = objects.find((o) => o.kind === 'PrometheusRule');
          assert.deepEqual(rule?.spec, parse(readFileSync(join(repoRoot, 'deploy/prometheus/rules.yml'), 'utf8')));
          const { pod } = podsOf(objects)[0]!;
          const [container] = pod.spec.containers;
          const env = environmentOf(container, objects);
          const config = loadConfig(baseConfigSchema, { envMap: baseEnv, env, file: mountedFile(env.HOOKRAIL_CONFIG!, pod, container, objects) });
          const expected = hookrailTopicSpecs(config).map((s) => ({ topicName: s.name, partitions: s.partitions, replicas: s.replicationFactor, config: s.configs }));
          const topics = objects.filter((o) => o.kind === 'KafkaTopic');
          assert.deepEqual(topics.map((t) => t.spec), expected);
          assert.ok(topics.every((t) => t.metadata.labels?.['strimzi.io/cluster'] === 'main'));
        });
      }
    });
  }
});
