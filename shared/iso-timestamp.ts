/**
 * pino's `timestamp` option with the same output as `pino.stdTimeFunctions.isoTime`
 * (`,"time":"2026-12-03T14:38:52.123Z"`), formatting the date once per second instead of on
 * every line: under load the node writes a line per request, and `Date#toISOString` showed
 * up at about 5 µs a line in its CPU profile (bench/profile-notes.md).
 */
export function createIsoTimestamp(now: () => number = Date.now): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const ms = now();
    const thisSecond = Math.floor(ms / 1000);
    if (thisSecond !== second) {
      second = thisSecond;
      // "2026-12-03T14:38:52." (the first 20 characters).
      prefix = `,"time":"${new Date(thisSecond * 1000).toISOString().slice(0, 20)}`;
    }
    const millis = ms - thisSecond * 1000;
    return `${prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z"`;
  };
}
