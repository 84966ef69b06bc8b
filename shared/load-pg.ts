import { createRequire } from 'node:module';
import type pg from 'pg';

const requireFromHere = createRequire(import.meta.url);
let loaded: typeof pg | undefined;

/**
 * node-postgres, loaded the first time a pool is made. Most nodes run without a database
 * (no logs_store, no governance limits); loading pg at start-up would cost each of them its
 * modules' memory for nothing. pg is CommonJS, so a synchronous require serves the callers
 * that build a pool synchronously.
 */
export function loadPg(): typeof pg {
  loaded ??= requireFromHere('pg') as typeof pg;
  return loaded;
}
