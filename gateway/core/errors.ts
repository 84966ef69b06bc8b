import { redactText } from '../security/secret-redaction.js';

/**
 * The node's error catalogue. Every failure a client can see is a GatewayError with a
 * stable code, an HTTP status and a message safe to show; the cause stays server-side.
 */

/** Stable error codes, each with its HTTP status and Bifrost error type. */
export const ERROR_CODES = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unknown_provider: { status: 400, type: 'invalid_request_error' },
  model_not_supported: { status: 400, type: 'invalid_request_error' },
  unsupported_operation: { status: 400, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  headers_too_large: { status: 431, type: 'invalid_request_error' },
  queue_full: { status: 429, type: 'rate_limit_error' },
  no_usable_key: { status: 500, type: 'configuration_error' },
  internal: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  upstream_unreachable: { status: 502, type: 'upstream_error' },
  upstream_bad_response: { status: 502, type: 'upstream_error' },
  draining: { status: 503, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'upstream_error' },
  client_closed: { status: 499, type: 'client_error' },
  // Governance (Bifrost's statuses and types; the type is also the envelope's top-level `type`).
  virtual_key_required: { status: 401, type: 'virtual_key_required' },
  virtual_key_not_found: { status: 401, type: 'virtual_key_not_found' },
  virtual_key_blocked: { status: 403, type: 'virtual_key_blocked' },
  provider_blocked: { status: 403, type: 'provider_blocked' },
  model_blocked: { status: 403, type: 'model_blocked' },
  budget_exceeded: { status: 402, type: 'budget_exceeded' },
  rate_limited: { status: 429, type: 'rate_limited' },
  request_limited: { status: 429, type: 'request_limited' },
  token_limited: { status: 429, type: 'token_limited' },
  governance_unavailable: { status: 503, type: 'governance_unavailable' },
} as const satisfies Record<string, { status: number; type: string }>;

/** One of the catalogue's codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options of a GatewayError beyond its code and message. */
export interface GatewayErrorOptions {
  /** Overrides the code's default status (an upstream's own status, say). */
  status?: number;
  /** Overrides the code's default type (an upstream's own error type). */
  type?: string;
  /** The upstream's own error code, when it gave one. */
  upstreamCode?: string | null;
  param?: string | null;
  provider?: string;
  model?: string;
  /** True when the error came from the provider, not from the node (Bifrost's is_bifrost_error false). */
  fromProvider?: boolean;
  /** Whether trying again (same or another key) may succeed. */
  retryable?: boolean;
  /** How long the provider asked callers to wait (its `Retry-After`), passed on to the client. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** A failure with a client-safe message and the status to answer with. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly upstreamCode: string | null;
  readonly param: string | null;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly fromProvider: boolean;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.type = options.type ?? ERROR_CODES[code].type;
    this.upstreamCode = options.upstreamCode ?? null;
    this.param = options.param ?? null;
    this.provider = options.provider;
    this.model = options.model;
    this.fromProvider = options.fromProvider ?? false;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Statuses on which Bifrost retries an upstream call. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/** Bifrost's error envelope, as sent to clients. */
export interface ErrorEnvelope {
  /** Governance denials: Bifrost's type (`virtual_key_required`, `budget_exceeded`, ...). */
  type?: string;
  is_bifrost_error: boolean;
  status_code: number;
  error: { type: string; code: string | null; message: string; param: string | null };
  extra_fields: { provider?: string; model_requested?: string; request_id?: string };
}

/**
 * The error as a client may see it, the one gate every dialect's error body goes through: an
 * unknown error becomes a bare 500 (its detail stays in the log), and every text field that
 * may carry upstream-derived text has the node's secrets redacted.
 */
export function toClientError(error: unknown): GatewayError {
  if (!(error instanceof GatewayError)) return new GatewayError('internal', 'internal gateway error', { cause: error });
  const message = redactText(error.message);
  const type = redactText(error.type);
  const upstreamCode = error.upstreamCode === null ? null : redactText(error.upstreamCode);
  const param = error.param === null ? null : redactText(error.param);
  if (message === error.message && type === error.type && upstreamCode === error.upstreamCode && param === error.param) return error;
  return new GatewayError(error.code, message, {
    status: error.status,
    type,
    upstreamCode,
    param,
    ...(error.provider === undefined ? {} : { provider: error.provider }),
    ...(error.model === undefined ? {} : { model: error.model }),
    fromProvider: error.fromProvider,
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    cause: error,
  });
}

/** Codes whose envelope also carries Bifrost's top-level `type` (governance denials). */
const TYPED_ENVELOPE_CODES: ReadonlySet<ErrorCode> = new Set([
  'virtual_key_required',
  'virtual_key_not_found',
  'virtual_key_blocked',
  'provider_blocked',
  'model_blocked',
  'budget_exceeded',
  'rate_limited',
  'request_limited',
  'token_limited',
  'governance_unavailable',
]);

/** Builds the envelope a client receives for `error`; unknown errors become a bare 500. */
export function toErrorEnvelope(error: unknown, requestId?: string): ErrorEnvelope {
  const known = toClientError(error);
  return {
    ...(TYPED_ENVELOPE_CODES.has(known.code) ? { type: known.type } : {}),
    is_bifrost_error: !known.fromProvider,
    status_code: known.status,
    error: {
      type: known.type,
      code: known.fromProvider ? known.upstreamCode : known.code,
      message: known.message,
      param: known.param,
    },
    extra_fields: {
      ...(known.provider ? { provider: known.provider } : {}),
      ...(known.model ? { model_requested: known.model } : {}),
      ...(requestId ? { request_id: requestId } : {}),
    },
  };
}
