import { DEFAULT_DRAIN_DEADLINE_MS } from '../shared/drain-deadline.js';
import type { GovernanceEnv } from './governance/create-governance.js';
import { readGovernanceEnv } from './governance/governance-env.js';
import { DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './lifecycle/server.js';
import type { DrainMode } from './http/middleware/drain-gate.js';
import { DEFAULT_UPSTREAM_LIMITS, type UpstreamLimits } from './providers/shared/upstream-http.js';

/** The node's settings from its environment (the only place process.env is read for them). */
export interface NodeEnv {
  configPath: string;
  port: number;
  host: string;
  logLevel: string;
  /** SHUTDOWN_TIMEOUT_MS: how long in-flight work may run after SIGTERM (the drain deadline, 10 minutes). */
  shutdownTimeoutMs: number;
  /** Deadline for a request's headers, from its first byte (slowloris). */
  headersTimeoutMs: number;
  /** Deadline for a whole request, body included (a body that never ends). */
  requestTimeoutMs: number;
  /** The most a provider may send: a whole non-streamed body, and one stream event. */
  upstreamLimits: UpstreamLimits;
  /** DRAIN_MODE: what a draining node does with a new request (see drain-gate.ts). */
  drainMode: DrainMode;
  /** The GOVERNANCE_* settings (governance/governance-env.ts). */
  governance: GovernanceEnv;
}

/**
 * Reads CONFIG_PATH, PORT, HOST, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS, HEADERS_TIMEOUT_MS,
 * REQUEST_TIMEOUT_MS, UPSTREAM_MAX_BODY_BYTES, UPSTREAM_MAX_EVENT_BYTES and DRAIN_MODE with their defaults.
 */
export function readNodeEnv(env: NodeJS.ProcessEnv): NodeEnv {
  return {
    configPath: env.CONFIG_PATH || 'config/config.json',
    port: readInteger(env.PORT, 8080, 'PORT'),
    host: env.HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    shutdownTimeoutMs: readInteger(env.SHUTDOWN_TIMEOUT_MS, DEFAULT_DRAIN_DEADLINE_MS, 'SHUTDOWN_TIMEOUT_MS'),
    headersTimeoutMs: readInteger(env.HEADERS_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS, 'HEADERS_TIMEOUT_MS'),
    requestTimeoutMs: readInteger(env.REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, 'REQUEST_TIMEOUT_MS'),
    upstreamLimits: {
      maxBodyBytes: readInteger(env.UPSTREAM_MAX_BODY_BYTES, DEFAULT_UPSTREAM_LIMITS.maxBodyBytes, 'UPSTREAM_MAX_BODY_BYTES'),
      maxEventBytes: readInteger(env.UPSTREAM_MAX_EVENT_BYTES, DEFAULT_UPSTREAM_LIMITS.maxEventBytes, 'UPSTREAM_MAX_EVENT_BYTES'),
    },
    drainMode: readDrainMode(env.DRAIN_MODE),
    governance: readGovernanceEnv(env),
  };
}

function readDrainMode(text: string | undefined): DrainMode {
  if (text === undefined || text === '') return 'refuse';
  if (text === 'refuse' || text === 'serve') return text;
  throw new Error(`DRAIN_MODE must be refuse or serve, got "${text}"`);
}

function readInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}
