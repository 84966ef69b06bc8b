/**
 * The Kubernetes manifests, rendered offline with kubectl's built-in kustomize and
 * validated against the Kubernetes API schemas (kubernetes-models). No cluster runs here:
 * this proves the objects are well-formed and have the properties the rollout relies on,
 * not how a cluster behaves.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { checkConfigFiles } from '../../shared/config/check-config.js';
import { DEFAULT_DRAIN_DEADLINE_MS, DEFAULT_NODE_STOP_TIMEOUT_S } from '../../shared/drain-deadline.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OVERLAY = join(ROOT, 'deploy', 'kubernetes', 'overlays', 'example');
type Doc = { kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };

async function render(dir: string): Promise<Doc[]> {
  const { stdout } = await promisify(execFile)('kubectl', ['kustomize', dir], { timeout: 60_000 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as Doc);
}

const byKind = (docs: Doc[], kind: string) => {
  const doc = docs.find((d) => d.kind === kind);
  assert.ok(doc, `a ${kind} is rendered`);
  return doc;
};

describe('deploy/kubernetes (kustomize, rendered offline)', function () {
  this.timeout(60_000);
  let docs: Doc[];

  before(async () => {
    docs = await render(OVERLAY);
  });

  it('renders objects that pass the Kubernetes API schemas', () => {
    const models: Record<string, new (d: never) => { validate(): void }> = { Deployment, Service, ConfigMap, PodDisruptionBudget, Ingress, Namespace };
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['ConfigMap', 'Deployment', 'Ingress', 'Namespace', 'PodDisruptionBudget', 'Service']);
    for (const doc of docs) {
      const Model = models[doc.kind];
      assert.ok(Model, doc.kind);
      new Model(doc as never).validate();
      if (doc.kind === 'Namespace') assert.equal(doc.metadata.name, 'ai-gateway');
      else assert.equal(doc.metadata.namespace, 'ai-gateway');
    }
  });

  it('rolls one pod at a time, never below the replica count, gated on /health', () => {
    const deployment = new Deployment(byKind(docs, 'Deployment') as never);
    const spec = deployment.spec!;
    assert.equal(spec.replicas, 3);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const pod = spec.template.spec!;
    const gateway = pod.containers.find((c) => c.name === 'gateway')!;
    assert.equal(gateway.readinessProbe?.httpGet?.path, '/health');
    // /health is 503 while draining: liveness there would kill a node in the middle of its drain.
    assert.notEqual(gateway.livenessProbe?.httpGet?.path, '/health', 'liveness is not the endpoint that goes 503 while draining');
    assert.equal(gateway.livenessProbe?.httpGet?.path, '/metrics');
    const liveness = gateway.livenessProbe!;
    assert.ok((liveness.periodSeconds ?? 10) * (liveness.failureThreshold ?? 3) >= 60, 'a busy node gets a minute before a restart');
    assert.ok((liveness.timeoutSeconds ?? 1) >= 5);
    assert.equal(gateway.startupProbe?.httpGet?.path, '/health', 'a slow start is covered by a startup probe');
    const startup = gateway.startupProbe!;
    assert.ok((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3) >= 120, 'start-up gets at least 2 minutes');
    assert.equal(liveness.initialDelaySeconds, undefined, 'the startup probe, not a guessed delay, holds liveness back');
    assert.ok((gateway.readinessProbe?.failureThreshold ?? 3) >= 2, 'one slow answer does not take a node out');
    assert.deepEqual(gateway.lifecycle?.preStop?.exec?.command, ['sleep', '5']);
    const drainMs = Number(gateway.env?.find((e) => e.name === 'SHUTDOWN_TIMEOUT_MS')?.value);
    // What the node may still do after its drain deadline, from its source (start-node.ts, drain.ts):
    // abort grace 1 s + server close 1 s + the shared state's STATE_FLUSH_MAX_MS (governance, then
    // the request log's flush and close) + the logger's last write 1 s.
    const startNode = readFileSync(join(ROOT, 'gateway', 'start-node.ts'), 'utf8');
    const constant = (name: string) => Number(new RegExp(`const ${name} = ([\\d_]+);`).exec(startNode)?.[1]?.replaceAll('_', ''));
    const afterDeadlineS = (1000 + 1000 + constant('STATE_FLUSH_MAX_MS') + 1000) / 1000;
    assert.ok(afterDeadlineS >= 18, `read the constants from start-node.ts (${afterDeadlineS} s)`);
    // Compose and Swarm give a node DEFAULT_NODE_STOP_TIMEOUT_S, with no preStop: the same steps fit.
    assert.ok(DEFAULT_NODE_STOP_TIMEOUT_S >= drainMs / 1000 + afterDeadlineS, `stop timeout ${DEFAULT_NODE_STOP_TIMEOUT_S} s`);
    assert.equal(drainMs, DEFAULT_DRAIN_DEADLINE_MS, 'the drain deadline of shared/drain-deadline.ts');
    const preStopS = Number(gateway.lifecycle?.preStop?.exec?.command?.[1]);
    assert.ok(
      (pod.terminationGracePeriodSeconds ?? 30) >= preStopS + drainMs / 1000 + afterDeadlineS,
      `grace period ${pod.terminationGracePeriodSeconds} s covers preStop ${preStopS} s + drain ${drainMs / 1000} s + ${afterDeadlineS} s after it`,
    );
    assert.equal(gateway.env?.find((e) => e.name === 'DRAIN_MODE')?.value, 'serve');
    assert.equal(gateway.envFrom?.[0]?.secretRef?.name, 'gateway-secrets');
    // An optional Secret that is missing starts pods without keys: ready on /health, failing every call.
    assert.notEqual(gateway.envFrom?.[0]?.secretRef?.optional, true, 'the Secret is required');
    assert.ok(gateway.resources?.requests && gateway.resources.limits);
    assert.equal(gateway.image, 'registry.example.com/ai-gateway/gateway:0.1.0');
  });

  it('mounts the hash-named ConfigMap as a directory, after an init container validated it', () => {
    const pod = new Deployment(byKind(docs, 'Deployment') as never).spec!.template.spec!;
    const configMap = byKind(docs, 'ConfigMap');
    assert.match(configMap.metadata.name, /^gateway-config-[a-z0-9]{10}$/);
    assert.equal(pod.volumes?.find((v) => v.name === 'config')?.configMap?.name, configMap.metadata.name);
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      for (const mount of container.volumeMounts ?? []) assert.equal(mount.subPath, undefined, `${container.name} mounts without subPath`);
    }
    const init = pod.initContainers?.find((c) => c.name === 'check-config');
    assert.deepEqual(init?.command, ['node', 'dist/shared/config/check-config-cli.js', '/config/config.json']);
    assert.equal(checkConfigFiles([join(OVERLAY, 'config.json')]).code, 0, 'the example config is valid');
  });

  it('keeps no secret in the ConfigMap: every key and the database password are env.NAME references', () => {
    const configMap = byKind(docs, 'ConfigMap') as Doc & { data: Record<string, string> };
    const config = JSON.parse(configMap.data['config.json']!) as {
      providers: Record<string, { keys?: { name: string; value: string }[] }>;
      logs_store?: { config?: { password?: string } };
    };
    for (const [provider, entry] of Object.entries(config.providers)) {
      for (const key of entry.keys ?? []) assert.match(key.value, /^(env\.[A-Z0-9_]+)?$/, `${provider}/${key.name} is an env. reference or empty`);
    }
    const password = config.logs_store?.config?.password;
    if (password) assert.match(password, /^env\.[A-Z0-9_]+$/);
  });

  it('gives an edited config.json a new ConfigMap name, which changes the pod template', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'k8s-overlay-'));
    try {
      cpSync(join(ROOT, 'deploy', 'kubernetes'), join(copy, 'kubernetes'), { recursive: true });
      const file = join(copy, 'kubernetes', 'overlays', 'example', 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as { client: Record<string, unknown> };
      config.client.initial_pool_size = 321;
      writeFileSync(file, JSON.stringify(config));
      const edited = await render(join(copy, 'kubernetes', 'overlays', 'example'));
      const before = byKind(docs, 'ConfigMap').metadata.name;
      const after = byKind(edited, 'ConfigMap').metadata.name;
      assert.notEqual(after, before);
      const volume = new Deployment(byKind(edited, 'Deployment') as never).spec!.template.spec!.volumes!.find((v) => v.name === 'config');
      assert.equal(volume?.configMap?.name, after);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('meets the Pod Security Standard "restricted" in every container and mounts no API token', () => {
    const pod = new Deployment(byKind(docs, 'Deployment') as never).spec!.template.spec!;
    // The namespace the README creates first enforces it, so the API server refuses a pod that lost a setting.
    const namespace = new Namespace(byKind(docs, 'Namespace') as never);
    assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(pod.automountServiceAccountToken, false, 'the node calls no Kubernetes API');
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    const containers = [...pod.containers, ...(pod.initContainers ?? [])];
    assert.ok(containers.length >= 2);
    for (const container of containers) {
      const sc = container.securityContext;
      assert.equal(sc?.allowPrivilegeEscalation, false, `${container.name}: allowPrivilegeEscalation`);
      assert.equal(sc?.readOnlyRootFilesystem, true, `${container.name}: readOnlyRootFilesystem`);
      assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${container.name}: capabilities`);
      assert.ok(!sc?.privileged && !sc?.capabilities?.add?.length, `${container.name}: no privilege`);
      // NODE_COMPILE_CACHE is /tmp/node-compile-cache: writable only through the emptyDir.
      assert.ok(
        container.volumeMounts?.some((m) => m.mountPath === '/tmp' && m.name === 'tmp'),
        `${container.name}: writable /tmp`,
      );
    }
  });

  it('spreads the replicas across nodes and zones, selecting its own pods', () => {
    const template = new Deployment(byKind(docs, 'Deployment') as never).spec!.template;
    const constraints = template.spec?.topologySpreadConstraints ?? [];
    assert.deepEqual(constraints.map((c) => c.topologyKey).sort(), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const constraint of constraints) {
      assert.equal(constraint.maxSkew, 1);
      assert.equal(constraint.whenUnsatisfiable, 'ScheduleAnyway', 'a small cluster still schedules the surge pod');
      assert.deepEqual(constraint.matchLabelKeys, ['pod-template-hash']);
      const selector = constraint.labelSelector?.matchLabels ?? {};
      assert.ok(Object.keys(selector).length > 0);
      for (const [k, v] of Object.entries(selector)) assert.equal(template.metadata?.labels?.[k], v, `spread selector ${k}`);
    }
  });

  it('exposes the Service through an Ingress that neither buffers streams nor cuts long calls or large bodies', () => {
    const ingress = new Ingress(byKind(docs, 'Ingress') as never);
    const a = ingress.metadata?.annotations ?? {};
    const drainS = DEFAULT_DRAIN_DEADLINE_MS / 1000;
    // ingress-nginx defaults: 60 s timeouts (a 504 on a non-streamed call of minutes), 1m bodies.
    assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= drainS, 'read timeout covers a long LLM call');
    assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= drainS);
    assert.equal(a['nginx.ingress.kubernetes.io/proxy-buffering'], 'off', 'server-sent events are not buffered');
    assert.equal(a['nginx.ingress.kubernetes.io/proxy-next-upstream'], 'error', 'a request sent once is never re-sent on a timeout');
    const config = JSON.parse(readFileSync(join(OVERLAY, 'config.json'), 'utf8')) as { client: { max_request_body_size_mb: number } };
    const bodySize = /^(\d+)m$/.exec(a['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '');
    assert.ok(bodySize && Number(bodySize[1]) >= config.client.max_request_body_size_mb, 'the ingress takes the bodies the gateway takes');
    const service = new Service(byKind(docs, 'Service') as never);
    const backend = ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
    assert.equal(backend?.name, service.metadata?.name);
    assert.ok(service.spec?.ports?.some((p) => p.name === backend?.port?.name));
  });

  it('limits voluntary disruptions to one pod and selects the gateway pods', () => {
    const pdb = new PodDisruptionBudget(byKind(docs, 'PodDisruptionBudget') as never);
    assert.equal(pdb.spec?.maxUnavailable, 1);
    assert.equal(pdb.spec?.unhealthyPodEvictionPolicy, 'AlwaysAllow', 'a crash-looping pod does not block node drains');
    const labels = new Deployment(byKind(docs, 'Deployment') as never).spec!.template.metadata!.labels!;
    for (const [k, v] of Object.entries(pdb.spec?.selector?.matchLabels ?? {})) assert.equal(labels[k], v);
    const service = new Service(byKind(docs, 'Service') as never);
    for (const [k, v] of Object.entries(service.spec?.selector ?? {})) assert.equal(labels[k], v);
    assert.ok(Object.keys(service.spec?.selector ?? {}).length > 0);
  });
});
