import type pg from 'pg';

/**
 * Runs `work` on one connection checked out of `pool`, and gives it back: healthy when `work`
 * succeeded, discarded when it threw (its session state, a transaction or a session lock, is
 * then unknown and must not reach the next user of the pool).
 *
 * Why not bare `pool.connect()`: pg-pool removes its own error listener while a connection is
 * checked out. If the server ends the session between two queries (a restart, an
 * administrator's pg_terminate_backend), the connection emits 'error' with nobody listening,
 * and Node ends the process. Here a listener stays for as long as the connection is out; the
 * next query then fails, and `work` with it.
 */
export async function withPooledClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost = error;
  };
  client.on('error', onError);
  let failed = true;
  try {
    const result = await work(client);
    failed = false;
    return result;
  } finally {
    const broken = failed || lost !== undefined;
    // A discarded connection may still report its end: the listener stays on it.
    if (!broken) client.off('error', onError);
    client.release(broken ? (lost ?? true) : undefined);
  }
}
