import { GatewayError, RETRYABLE_STATUSES } from '../../core/errors.js';
import type { ErrorBodyReader } from '../shared/upstream-http.js';
import { redactText } from '../../security/secret-redaction.js';
import type { UpstreamTarget } from '../types.js';

/**
 * Bedrock Runtime's documented exceptions by HTTP status. Its error bodies are `{"message"}`
 * with the exception name in the `x-amzn-ErrorType` header, which the shared HTTP client does
 * not (yet) hand to body readers; until it does, the status names the exception.
 */
const EXCEPTION_BY_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Status of each exception ConverseStream can send as an in-stream event. */
const STATUS_BY_STREAM_EXCEPTION: Record<string, number> = {
  internalServerException: 500,
  modelStreamErrorException: 424,
  validationException: 400,
  throttlingException: 429,
  serviceUnavailableException: 503,
};

/** The exception name in an `x-amzn-ErrorType` value ("ValidationException:http://..."), or a `__type` ("ns#Name"). */
function exceptionNameOf(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const name = raw.split('#').pop()?.split(':')[0];
  return name ? name : undefined;
}

/**
 * Reads Bedrock's `{message}` / `{Message}` error bodies, naming the exception from `__type`
 * or, when the HTTP client passes response headers, from `x-amzn-ErrorType`.
 */
export const readBedrockErrorBody = (body: unknown, headers?: Record<string, string | string[] | undefined>): ReturnType<ErrorBodyReader> => {
  const fromHeader = exceptionNameOf(headers?.['x-amzn-errortype']);
  if (typeof body === 'string') return { message: body.slice(0, 500), ...(fromHeader ? { type: fromHeader, code: fromHeader } : {}) };
  if (typeof body !== 'object' || body === null) return fromHeader ? { type: fromHeader, code: fromHeader } : {};
  const record = body as Record<string, unknown>;
  const message = typeof record.message === 'string' ? record.message : typeof record.Message === 'string' ? record.Message : undefined;
  const type = exceptionNameOf(record.__type) ?? fromHeader;
  return { ...(message !== undefined ? { message } : {}), ...(type ? { type, code: type } : {}) };
};

/** Names an upstream HTTP error after Bedrock's exception for its status, when the body did not. */
export function nameBedrockError(error: unknown): unknown {
  if (!(error instanceof GatewayError) || !error.fromProvider || error.type !== 'upstream_error') return error;
  const exception = EXCEPTION_BY_STATUS[error.status];
  if (!exception) return error;
  return new GatewayError(error.code, error.message, {
    status: error.status,
    type: exception,
    upstreamCode: error.upstreamCode ?? exception,
    param: error.param,
    ...(error.provider !== undefined ? { provider: error.provider } : {}),
    ...(error.model !== undefined ? { model: error.model } : {}),
    fromProvider: true,
    retryable: error.retryable,
    cause: error.cause,
  });
}

/** An exception event from ConverseStream (`:message-type: exception`) as a GatewayError. */
export function streamExceptionError(exceptionType: string, payload: unknown, target: UpstreamTarget): GatewayError {
  const status = STATUS_BY_STREAM_EXCEPTION[exceptionType] ?? 500;
  const message = readBedrockErrorBody(payload).message ?? `bedrock stream failed: ${exceptionType}`;
  const name = exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1);
  return new GatewayError('upstream_error', redactText(message), {
    status,
    type: name,
    upstreamCode: name,
    provider: target.provider.name,
    model: target.model,
    fromProvider: true,
    retryable: RETRYABLE_STATUSES.has(status),
  });
}
