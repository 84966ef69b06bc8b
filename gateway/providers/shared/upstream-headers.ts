/**
 * Headers only the node's own HTTP client may set: framing and hop-by-hop headers. A client
 * naming one through `x-bf-eh-*` would corrupt the upstream request (or, for `expect`, make
 * the HTTP client refuse it).
 */
const NEVER_FROM_CLIENT: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'content-type',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/**
 * The headers of one upstream request, by who may set what: the adapter's own (credentials,
 * protocol versions), then the operator's `network_config.extra_headers`, which may override
 * them; a client's `x-bf-eh-*` headers only add names that neither set, compared without
 * regard to case, so no client can replace the node's credentials or the operator's headers.
 */
export function buildUpstreamHeaders(
  hasJsonBody: boolean,
  adapterHeaders: Readonly<Record<string, string>>,
  operatorHeaders: Readonly<Record<string, string>>,
  clientHeaders: Readonly<Record<string, string>>,
): Record<string, string> {
  const headers: Record<string, string> = Object.assign(hasJsonBody ? { 'content-type': 'application/json' } : {}, adapterHeaders, operatorHeaders);
  let taken: Set<string> | undefined;
  for (const name in clientHeaders) {
    // Built only when a client forwards something: most requests carry no x-bf-eh-* header.
    taken ??= new Set(Object.keys(headers).map((existing) => existing.toLowerCase()));
    const lower = name.toLowerCase();
    if (taken.has(lower) || NEVER_FROM_CLIENT.has(lower)) continue;
    headers[lower] = clientHeaders[name] as string;
  }
  return headers;
}
