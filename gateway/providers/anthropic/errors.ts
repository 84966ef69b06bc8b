import { GatewayError } from '../../core/errors.js';
import type { UpstreamTarget } from '../types.js';
import { redactText } from '../../security/secret-redaction.js';

/** Anthropic's documented error types and the HTTP status each comes with. */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The HTTP status Anthropic pairs with an error type (500 for an unknown type). */
export function statusOfAnthropicErrorType(type: string | undefined): number {
  return (type !== undefined ? STATUS_BY_TYPE[type] : undefined) ?? 500;
}

/** The Anthropic error type a client expects for an HTTP status. */
export function anthropicErrorTypeOf(status: number): string {
  if (status === 529) return 'overloaded_error';
  for (const [type, mapped] of Object.entries(STATUS_BY_TYPE)) {
    if (mapped === status) return type;
  }
  if (status === 408) return 'timeout_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/**
 * Marks Anthropic's 529 (overloaded) as retryable: Bifrost's retry list only names the usual
 * 5xx codes, but 529 is Anthropic's "try again later" and deserves retries and fallbacks.
 */
export function markOverloadedRetryable(error: unknown): unknown {
  if (!(error instanceof GatewayError) || error.status !== 529 || error.retryable) return error;
  return new GatewayError(error.code, error.message, {
    status: error.status,
    type: error.type,
    upstreamCode: error.upstreamCode,
    param: error.param,
    ...(error.provider !== undefined ? { provider: error.provider } : {}),
    ...(error.model !== undefined ? { model: error.model } : {}),
    fromProvider: error.fromProvider,
    retryable: true,
    cause: error.cause,
  });
}

/** Turns an `error` event received mid-stream into a GatewayError with Anthropic's status. */
export function streamErrorToGatewayError(data: unknown, target: UpstreamTarget): GatewayError {
  const body = (data ?? {}) as { error?: { type?: unknown; message?: unknown } };
  const type = typeof body.error?.type === 'string' ? body.error.type : 'api_error';
  const message = typeof body.error?.message === 'string' ? body.error.message : 'anthropic stream failed';
  const status = statusOfAnthropicErrorType(type);
  return new GatewayError('upstream_error', redactText(message), {
    status,
    type,
    provider: target.provider.name,
    model: target.model,
    fromProvider: true,
    retryable: status === 529 || status >= 500,
  });
}
