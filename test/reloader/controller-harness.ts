import { createComposePlatform } from '../../reloader/platform/compose/compose-platform.js';
import { ReloaderController } from '../../reloader/controller/controller.js';
import type { ConfigEvaluation } from '../../reloader/config/evaluate.js';
import { createMetrics, type ReloaderMetrics } from '../../reloader/observability/metrics.js';
import type { RestartJournal } from '../../reloader/rollout/restart-journal.js';
import { captureLogger, FakeCluster } from './fake-cluster.js';

/** Fake fingerprints: what matters is that they differ. */
export const FP_OLD = `sha256:${'0'.repeat(64)}`;
export const FP_NEW = `sha256:${'1'.repeat(64)}`;
export const FP_NEWER = `sha256:${'2'.repeat(64)}`;

/** A controller over a FakeCluster whose "file" is valid unless `invalid` is set. */
export interface Harness {
  cluster: FakeCluster;
  controller: ReloaderController;
  lines: string[];
  /** The whole log records, for their fields. */
  records: Array<Record<string, unknown>>;
  metrics: ReloaderMetrics;
  /** Changes the file and tells the controller, as the watcher would. */
  edit(fingerprint: string): void;
  /** Makes the file invalid and tells the controller. */
  breakFile(): void;
  /** Deletes the file and tells the controller. */
  removeFile(): void;
}

/** Builds a harness; nodes are added by the caller before `controller.start()`. */
export function createHarness(
  file = FP_OLD,
  options: { healthTimeoutMs?: number; drainTimeoutMs?: number; journal?: RestartJournal; dockerRetryMs?: number } = {},
): Harness {
  const cluster = new FakeCluster(file);
  const { logger, lines, records } = captureLogger();
  const metrics = createMetrics();
  let onDisk: 'valid' | 'invalid' | 'missing' = 'valid';
  const evaluate = (): ConfigEvaluation => {
    const checkedAt = new Date().toISOString();
    if (onDisk === 'missing') return { kind: 'missing', error: 'cannot read /config/config.json: ENOENT', checkedAt };
    if (onDisk === 'invalid') {
      return { kind: 'invalid', fingerprint: 'sha256:bad', issues: [{ path: 'providers.openai.keys[0].weight', message: 'must be a number' }], checkedAt };
    }
    return { kind: 'valid', fingerprint: cluster.file, unsupported: [], checkedAt };
  };
  const controller = new ReloaderController({
    platform: createComposePlatform({ docker: cluster.docker, probe: cluster.probe, rotation: cluster.rotation, logger, stopTimeoutS: 30 }),
    probe: cluster.probe,
    logger,
    metrics,
    readConfig: async () => evaluate(),
    recheckConfig: async () => evaluate(),
    configPath: '/config/config.json',
    healthTimeoutMs: options.healthTimeoutMs ?? 2000,
    drainTimeoutMs: options.drainTimeoutMs ?? 500,
    settleMs: 5,
    reconcileIntervalMs: 3_600_000,
    pollMs: 5,
    ...(options.journal ? { journal: options.journal } : {}),
    ...(options.dockerRetryMs !== undefined ? { dockerRetryMs: options.dockerRetryMs } : {}),
  });
  return {
    cluster,
    controller,
    lines,
    records,
    metrics,
    edit(fingerprint) {
      onDisk = 'valid';
      cluster.file = fingerprint;
      controller.onConfig(evaluate());
    },
    breakFile() {
      onDisk = 'invalid';
      controller.onConfig(evaluate());
    },
    removeFile() {
      onDisk = 'missing';
      controller.onConfig(evaluate());
    },
  };
}

/** Three nodes gateway-1..3 on `fingerprint`, added in a scrambled order. */
export function addThreeNodes(h: Harness, fingerprint: string): void {
  h.cluster.addNode('gateway-3', 3, fingerprint);
  h.cluster.addNode('gateway-1', 1, fingerprint);
  h.cluster.addNode('gateway-2', 2, fingerprint);
}

/** Polls `check` every 5 ms until it holds, failing with `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
