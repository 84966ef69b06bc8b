import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { buildAppDeps, createApp, type AppDeps } from '../../gateway/app.js';
import type { DrainMode } from '../../gateway/http/middleware/drain-gate.js';
import { loadConfigBytes, type LoadReport } from '../../shared/config/index.js';
import { createHttpServer, listen, type RequestTimeouts } from '../../gateway/lifecycle/server.js';
import { createLogger } from '../../shared/logger.js';
import type { CancelSignal } from '../../gateway/core/cancellation.js';
import type { OutcomeSink } from '../../gateway/request/outcome.js';
import type { PreDispatchCheck } from '../../gateway/request/pre-dispatch.js';
import { createGovernance, type GovernanceEnv } from '../../gateway/governance/create-governance.js';
import { readGovernanceEnv } from '../../gateway/governance/governance-env.js';
import { GatewayMetrics } from '../../gateway/observability/metrics.js';
import type { RequestLog } from '../../gateway/request-log/start-request-log.js';

/**
 * Starts a gateway node in this process on 127.0.0.1 and an ephemeral port, from a config
 * object (or JSON text) in Bifrost's format. Log lines are captured as parsed objects.
 *
 * ```ts
 * const gw = await startGateway(openaiConfig(upstream.url));
 * const client = gw.openai();            // official SDK, baseURL gw.url + '/v1', maxRetries 0
 * await gw.close();
 * ```
 */

/** Options of startGateway. */
export interface StartGatewayOptions {
  /** Environment for `env.` secrets (default: `{}` plus nothing from process.env). */
  env?: NodeJS.ProcessEnv;
  /** Random source for key choice and jitter. */
  random?: () => number;
  /** Wait between retries; default: real waits. Pass `instantSleep` to skip them. */
  sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
  /** Extra outcome sinks (after the metrics and the access log). */
  outcomeSinks?: OutcomeSink[];
  /** Pre-dispatch checks (after governance's own). */
  preDispatchChecks?: PreDispatchCheck[];
  /** Governance settings (store URL, fail mode, ...) over the GOVERNANCE_* defaults; used when the config has a governance section. */
  governance?: Partial<GovernanceEnv>;
  nodeName?: string;
  logLevel?: string;
  /** Request deadlines (default: the node's). */
  timeouts?: RequestTimeouts;
  /** DRAIN_MODE (default: refuse). */
  drainMode?: DrainMode;
  /** The node's metrics (default: fresh ones). */
  metrics?: GatewayMetrics;
  /** A running request log (see test/gateway/request-log/logged-gateway.ts). */
  requestLog?: RequestLog;
}

/** A running in-process gateway node. */
export interface RunningGateway {
  /** The node's origin, e.g. http://127.0.0.1:41235. */
  url: string;
  port: number;
  deps: AppDeps;
  server: Server;
  report: LoadReport;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** An official OpenAI client pointed at the node (default baseURL `<url>/v1`, maxRetries 0). */
  openai(options?: { baseURL?: string; apiKey?: string; defaultHeaders?: Record<string, string> }): OpenAI;
  /** Stops the server and cuts open connections. */
  close(): Promise<void>;
}

/** Starts a node; see the module comment. */
export async function startGateway(config: object | string, options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const text = typeof config === 'string' ? config : JSON.stringify(config);
  const { config: runtime, report } = loadConfigBytes(text, options.env ?? {});
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ level: options.logLevel ?? 'info', destination: sink });
  const metrics = new GatewayMetrics();
  const governance = createGovernance(runtime, {
    env: { ...readGovernanceEnv({}), ...options.governance },
    logger,
    registry: metrics.registry,
    ...(options.random ? { random: options.random } : {}),
  });
  // As start-node.ts does: connect and migrate before listening.
  await governance?.warm();
  const deps = buildAppDeps(runtime, {
    logger,
    metrics,
    ...(governance ? { governance } : {}),
    nodeName: options.nodeName ?? 'test-node',
    ...(options.random ? { random: options.random } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.outcomeSinks ? { outcomeSinks: options.outcomeSinks } : {}),
    ...(options.preDispatchChecks ? { preDispatchChecks: options.preDispatchChecks } : {}),
    ...(options.drainMode ? { drainMode: options.drainMode } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
  });
  const server = createHttpServer(createApp(deps), options.timeouts);
  const port = await listen(server, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    deps,
    server,
    report,
    logs,
    openai: (clientOptions = {}) =>
      new OpenAI({
        baseURL: clientOptions.baseURL ?? `${url}/v1`,
        apiKey: clientOptions.apiKey ?? 'unused-by-the-gateway',
        maxRetries: 0,
        timeout: 15_000,
        ...(clientOptions.defaultHeaders ? { defaultHeaders: clientOptions.defaultHeaders } : {}),
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await governance?.close();
    },
  };
}

/** A retry wait that does not wait (keeps retry tests fast). */
export const instantSleep = (_ms: number, signal: CancelSignal): Promise<void> => (signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve());

/** A config with one OpenAI-compatible provider (default `openai`) pointed at `baseUrl`. */
export function providerConfig(
  baseUrl: string,
  overrides: { provider?: string; entry?: Record<string, unknown>; client?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const provider = overrides.provider ?? 'openai';
  return {
    providers: {
      [provider]: {
        keys: [{ name: 'test-key', value: 'sk-test-0123456789abcdef', models: ['*'], weight: 1 }],
        network_config: { base_url: baseUrl },
        ...overrides.entry,
      },
    },
    ...(overrides.client ? { client: overrides.client } : {}),
  };
}
