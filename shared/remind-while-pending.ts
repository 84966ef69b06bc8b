/**
 * Awaits `promise`, calling `remind` with the time waited every `everyMs` until it settles: for
 * a wait that is normally short but may last minutes, so the log says what is being waited on.
 */
export async function remindWhilePending<T>(promise: Promise<T>, everyMs: number, remind: (waitedMs: number) => void): Promise<T> {
  const startedAt = Date.now();
  const timer = setInterval(() => remind(Date.now() - startedAt), everyMs);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}
