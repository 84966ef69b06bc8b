import type { RouteTable } from '../route-table.js';
import type { AdminCredentials } from '../../../shared/config/index.js';
import type { Logger } from '../../../shared/logger.js';
import { GatewayError } from '../../core/errors.js';
import { LogQueryError, parseLogQuery } from '../../request-log/log-filters.js';
import { findLog, searchLogs } from '../../request-log/log-query.js';
import type { RequestLog } from '../../request-log/start-request-log.js';
import { createAdminAuth } from '../middleware/admin-auth.js';

/** What the log routes need: the running request log (absent when logs_store is off). */
export interface LogRoutesDeps {
  requestLog: RequestLog | undefined;
  adminAuth: AdminCredentials | undefined;
  logger: Logger;
}

/**
 * GET /api/logs (Bifrost's filters, paging, sorting and stats) and GET /api/logs/:id. Read-only;
 * rows hold a provider key's name, never its value. Behind the admin credentials when set.
 */
export function registerLogRoutes(router: RouteTable, deps: LogRoutesDeps): void {
  const auth = createAdminAuth(deps.adminAuth);
  const store = (): RequestLog => {
    if (!deps.requestLog) throw new GatewayError('not_found', 'the request log is not enabled on this node (logs_store with type "postgres")');
    return deps.requestLog;
  };

  router.get('/api/logs', auth, async (ctx) => {
    const log = store();
    let parsed: ReturnType<typeof parseLogQuery>;
    try {
      parsed = parseLogQuery(ctx.query);
    } catch (error) {
      if (error instanceof LogQueryError) throw new GatewayError('invalid_request', error.message, { param: error.param });
      throw error;
    }
    ctx.set('cache-control', 'no-store');
    ctx.body = await read(deps.logger, () => searchLogs(log.pool, parsed.filters, parsed.page));
  });

  router.get('/api/logs/:id', auth, async (ctx) => {
    const log = store();
    const entry = await read(deps.logger, () => findLog(log.pool, String(ctx.params.id)));
    if (!entry) throw new GatewayError('not_found', `no log with id ${String(ctx.params.id).slice(0, 64)}`);
    ctx.set('cache-control', 'no-store');
    ctx.body = entry;
  });
}

/** Runs a read; a database failure becomes a 500 saying the store is unavailable (detail in the log). */
async function read<T>(logger: Logger, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    logger.warn({ event: 'request-log-read-failed', error: (error as Error).message }, 'request log: read failed');
    throw new GatewayError('internal', 'the logs store is unavailable; try again', { cause: error });
  }
}
