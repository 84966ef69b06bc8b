/** Reading undici's raw header lists (name, value, name, value...), which its dispatcher hands over as Buffers. */

/** The value of header `name` (lower case) in a raw header list, the first if repeated. */
export function headerOf(rawHeaders: Buffer[], name: string): string | undefined {
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const header = rawHeaders[index] as Buffer;
    if (header.length === name.length && header.toString('latin1').toLowerCase() === name) return (rawHeaders[index + 1] as Buffer).toString('latin1');
  }
  return undefined;
}

/** A raw header list as an object: names in lower case, a repeated header's values in an array. */
export function headersOf(rawHeaders: Buffer[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as Buffer).toString('latin1').toLowerCase();
    const value = (rawHeaders[index + 1] as Buffer).toString('latin1');
    const seen = headers[name];
    headers[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return headers;
}
