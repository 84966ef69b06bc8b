import { GatewayError } from '../core/errors.js';
import type { AppDeps } from './app-deps.js';
import { failInference, type InferenceScope } from './inference.js';

/**
 * Notes a failed drop-in (Anthropic, Gemini) request and returns the error to answer in the
 * route's dialect. Shares the OpenAI routes' rules (failInference): a request cut by the drain
 * deadline is told the node shut down (a retryable 5xx), not the 499 "client closed" that the
 * abort produced. Anything that is not a GatewayError is a bug: its cause is logged here,
 * since the client only gets a bare 500.
 */
export function failDropIn(deps: AppDeps, scope: InferenceScope, error: unknown): unknown {
  const shown = failInference(scope, error);
  if (!(shown instanceof GatewayError)) deps.logger.error({ id: scope.requestId, err: shown }, 'unexpected error');
  return shown;
}
