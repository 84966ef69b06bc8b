import pg from 'pg';
import { loadConfigBytes, parseResetDuration, type RuntimeConfig } from '../../../shared/config/index.js';
import type { CounterCheck } from '../../../gateway/governance/hierarchy.js';
import { toWindowSpec } from '../../../gateway/governance/windows.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';

/** Config builders shared by the governance tests. */

/** Two providers (openai with two named keys, anthropic) and whatever governance is given. */
export function governedConfig(governance: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: {
      openai: {
        keys: [
          { name: 'oa-1', value: 'sk-test-one', models: ['*'], weight: 1 },
          { name: 'oa-2', value: 'sk-test-two', models: ['*'], weight: 1 },
        ],
      },
      anthropic: { keys: [{ name: 'an-1', value: 'sk-ant-test', models: ['*'], weight: 1 }] },
    },
    governance,
    ...extra,
  };
}

/** Loads a config object as a node would. */
export function loadRuntime(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): RuntimeConfig {
  return loadConfigBytes(JSON.stringify(config), env).config;
}

/** A counter of a virtual key's rate limit (requests, tokens) or budget (dollars). */
export function counterCheck(scopeId: string, limitKind: CounterCheck['limitKind'], max: number, duration = '1h', calendarAligned = false): CounterCheck {
  return {
    scopeKind: limitKind === 'cost_usd' ? 'budget' : 'rate_limit',
    scopeId,
    limitKind,
    max,
    window: toWindowSpec({ duration: parseResetDuration(duration)!, calendarAligned }),
    windowText: duration,
    level: 'virtual_key',
    levelId: 'vk',
  };
}

/** The pool, counting the statements sent through it (the round trips a store costs). */
export function countStatements(pool: pg.Pool): { pool: pg.Pool; statements: () => number } {
  let statements = 0;
  const counted = new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (...args: Parameters<pg.Pool['query']>) => {
        statements += 1;
        return (target.query as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  return { pool: counted, statements: () => statements };
}

/**
 * A PostgreSQL for the enclosing `describe`, started before its tests with a fresh `database`;
 * every pool made with `newPool` is ended after them, then the server.
 */
export function postgresForSuite(database: string): { newPool: () => pg.Pool; databaseUrl: () => string } {
  let server: PostgresServer | undefined;
  let url = '';
  const pools: pg.Pool[] = [];
  before(async () => {
    server = await startPostgres();
    url = server.url(await server.createDatabase(database));
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await server?.destroy();
  });
  return {
    databaseUrl: () => url,
    newPool: () => {
      const pool = new pg.Pool({ connectionString: url, max: 5 });
      // An idle client may still see the server's shutdown in the after hook.
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    },
  };
}
