import { GatewayError } from './errors.js';

/** A "provider/model" reference split into its parts. */
export interface ModelRef {
  provider: string;
  model: string;
}

/** The longest "provider/model" accepted: real model names are far shorter (the longest are under 100). */
export const MAX_MODEL_REF_LENGTH = 256;

/**
 * Splits "provider/model" at the FIRST slash, so that "openrouter/anthropic/claude-x" is
 * provider "openrouter" and model "anthropic/claude-x". Throws a 400 for anything else.
 */
export function parseModelRef(ref: unknown, field = 'model'): ModelRef {
  if (typeof ref !== 'string' || ref.length === 0) {
    throw new GatewayError('invalid_request', `${field} is required: a string "provider/model" such as "openai/gpt-4o-mini"`, {
      param: field,
    });
  }
  checkModelRefLength(ref, field);
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) {
    throw new GatewayError('invalid_request', `${field} "${clip(ref)}" must name a provider and a model as "provider/model", such as "openai/gpt-4o-mini"`, {
      param: field,
    });
  }
  return { provider: ref.slice(0, slash), model: ref.slice(slash + 1) };
}

/**
 * Refuses a model string longer than MAX_MODEL_REF_LENGTH with parseModelRef's 400. Routes call
 * it before they note a model they have not parsed yet (a bare name, one from the URL): the
 * access log, the request log (whose index refuses a long value) and metrics never see it.
 */
export function checkModelRefLength(ref: string, field = 'model'): void {
  if (ref.length > MAX_MODEL_REF_LENGTH) {
    throw new GatewayError('invalid_request', `${field} is ${ref.length} characters long; at most ${MAX_MODEL_REF_LENGTH} are accepted`, { param: field });
  }
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
