import type pg from 'pg';
import { RequestLogSetupError } from './setup-error.js';

/** The oldest PostgreSQL the request log runs on (what Debian 12 ships); 15 is the tested one. */
export const MIN_SERVER_VERSION = 15;

/** What preflight found about the server. */
export interface ServerFacts {
  database: string;
  encoding: string;
  /** e.g. 150014 for 15.14. */
  versionNum: number;
}

/**
 * Checks that the database can hold the log: UTF8-encoded (prompts are any language; Bifrost's
 * own migrations fail otherwise) and PostgreSQL 15 or newer. Throws RequestLogSetupError
 * naming the command that fixes it.
 */
export async function checkServer(pool: pg.Pool): Promise<ServerFacts> {
  const result = await pool.query<{ database: string; encoding: string; version_num: string }>(
    "SELECT current_database() AS database, current_setting('server_encoding') AS encoding, current_setting('server_version_num') AS version_num",
  );
  const row = result.rows[0];
  if (!row) throw new Error('the database answered no row to the preflight query');
  const facts: ServerFacts = { database: row.database, encoding: row.encoding, versionNum: Number(row.version_num) };
  if (facts.encoding.toUpperCase() !== 'UTF8') {
    throw new RequestLogSetupError(
      `logs_store: database "${facts.database}" is ${facts.encoding}-encoded; the request log needs a UTF8 database. ` +
        `Create one and set logs_store.config.db_name to it: CREATE DATABASE "${facts.database}_utf8" ENCODING 'UTF8' TEMPLATE template0;`,
    );
  }
  const major = Math.floor(facts.versionNum / 10_000);
  if (major < MIN_SERVER_VERSION) {
    throw new RequestLogSetupError(
      `logs_store: PostgreSQL ${major} is too old; the request log needs PostgreSQL ${MIN_SERVER_VERSION} or newer. ` +
        `Upgrade the server (e.g. pg_upgradecluster ${major} main, or the postgres:17 image).`,
    );
  }
  return facts;
}
