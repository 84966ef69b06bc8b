import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ConfigEditor, WriteOutcome } from '../config/config-editor.js';
import { ApiError } from '../errors.js';
import type { GuardState } from './guard.js';
import { BodyReadError, readBodyText } from '../../shared/http/read-body-text.js';

const MAX_BODY = 2 * 1024 * 1024;

/**
 * The config API: GET /api/config, POST /api/config/validate, PUT /api/config (If-Match),
 * GET /api/config/history[/:version], POST /api/config/rollback/:version.
 */
export function addConfigRoutes(router: Router, editor: ConfigEditor): void {
  router.get('/api/config', async (ctx) => {
    const view = await editor.read().catch((error: NodeJS.ErrnoException) => {
      throw new ApiError('CONFIG_MISSING', `cannot read the config file (${error.code ?? error.message})`);
    });
    ctx.set('ETag', `"${view.fingerprint}"`);
    ctx.body = { ...view, writable: (ctx.state as GuardState).writable };
  });

  router.post('/api/config/validate', async (ctx) => {
    ctx.body = await editor.validate(await readText(ctx));
  });

  router.put('/api/config', async (ctx) => {
    const ifMatch = readIfMatch(ctx);
    if (ifMatch === undefined) {
      throw new ApiError('PRECONDITION_REQUIRED', 'send If-Match: <fingerprint> (from GET /api/config) so that an edit made since cannot be overwritten');
    }
    answerWrite(ctx, await editor.write(await readText(ctx), ifMatch, whoOf(ctx)));
  });

  router.get('/api/config/history', async (ctx) => {
    ctx.body = { versions: await editor.listHistory() };
  });

  router.get('/api/config/history/:version', async (ctx) => {
    const version = await editor.readVersion(Number(ctx.params.version));
    if (!version) throw new ApiError('VERSION_NOT_FOUND', `version ${ctx.params.version} is not in the history`);
    ctx.body = version;
  });

  router.post('/api/config/rollback/:version', async (ctx) => {
    await readJson(ctx);
    const version = Number(ctx.params.version);
    answerWrite(ctx, await editor.rollback(version, whoOf(ctx), readIfMatch(ctx)));
  });
}

function answerWrite(ctx: Context, outcome: WriteOutcome): void {
  ctx.set('ETag', `"${outcome.fingerprint}"`);
  ctx.body = {
    ...outcome,
    message: outcome.unchanged
      ? 'the file already holds this config: nothing written'
      : 'written; the reloader rolls the nodes one at a time (follow GET /api/rollouts or /api/events)',
  };
}

function whoOf(ctx: Context): string {
  return (ctx.state as GuardState).who ?? 'unknown';
}

/** The fingerprint in If-Match, without quotes or a weak marker; undefined when absent. */
function readIfMatch(ctx: Context): string | undefined {
  const raw = ctx.get('if-match').trim();
  if (raw === '') return undefined;
  return raw.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

async function readJson(ctx: Context): Promise<Record<string, unknown>> {
  let body: string;
  try {
    body = await readBodyText(ctx.req, MAX_BODY);
  } catch (error) {
    // A body refused part-way is left unread: the connection closes after the answer.
    if (error instanceof BodyReadError && error.kind === 'too_large') {
      ctx.set('connection', 'close');
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `the body is larger than the limit of ${MAX_BODY / (1024 * 1024)} MB (${MAX_BODY} bytes); config.json must fit in it`,
        {
          limit_bytes: MAX_BODY,
        },
      );
    }
    throw new ApiError('BAD_REQUEST', `cannot read the body: ${(error as Error).message}`);
  }
  if (body.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    /* answered below */
  }
  throw new ApiError('BAD_REQUEST', 'the body must be a JSON object such as {"text": "<the whole config.json>"}');
}

async function readText(ctx: Context): Promise<string> {
  const body = await readJson(ctx);
  if (typeof body.text !== 'string') throw new ApiError('BAD_REQUEST', 'the body must be {"text": "<the whole config.json as a string>"}');
  return body.text;
}
