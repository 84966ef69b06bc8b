import type { Context } from 'koa';
import { toClientError } from '../../core/errors.js';
import { googleStatusName } from '../../providers/gemini/errors.js';
import type { GeminiErrorBody } from '../../providers/gemini/wire-types.js';
import { clientStatusOf, setRetryAfter } from '../middleware/error-handler.js';
import { noteError, requestStateOf } from '../../request/request-state.js';

/**
 * An error in Google's shape `{error:{code,message,status}}`, so a Gemini client reports it
 * as it would the Gemini API's own. A Gemini provider's status name is kept when the HTTP
 * status is passed on unchanged.
 */
export function toGeminiError(error: unknown): { status: number; body: GeminiErrorBody } {
  const known = toClientError(error);
  const status = clientStatusOf(known);
  const keepName = known.fromProvider && status === known.status && /^[A-Z_]+$/.test(known.type);
  return { status, body: { error: { code: status, message: known.message, status: keepName ? known.type : googleStatusName(status) } } };
}

/** Answers the request with a Google-shaped error (before any stream started). */
export function respondWithGeminiError(ctx: Context, error: unknown): void {
  const state = requestStateOf(ctx);
  const { status, body } = toGeminiError(error);
  noteError(state, error);
  setRetryAfter(ctx, error);
  ctx.status = status;
  ctx.body = body;
}
