/** A test's HTTP answer: status, headers, text, and the JSON when it parses. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Calls the control plane like a client would: JSON bodies, optional Authorization and If-Match. */
export async function call(
  target: { url: string },
  method: string,
  path: string,
  options: { auth?: string; ifMatch?: string; body?: unknown; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.auth) headers.authorization = options.auth;
  if (options.ifMatch) headers['if-match'] = `"${options.ifMatch}"`;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(target.url + path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
