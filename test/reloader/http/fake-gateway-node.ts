import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UsageReport } from '../../../gateway/governance/usage-report.js';
import type { LogEntry } from '../../../gateway/request-log/log-entry.js';
import { LogQueryError, parseLogQuery } from '../../../gateway/request-log/log-filters.js';
import type { LogSearchResult } from '../../../gateway/request-log/log-query.js';

/**
 * A stand-in gateway node for the reloader's tests: GET /api/governance/usage and GET
 * /api/logs(/:id) in the node's real shapes (its own types, its own query parser), behind
 * HTTP Basic as the node's admin routes are, with switches for "feature off", "hangs" and
 * "sends too much".
 */
export interface FakeGatewayNode {
  url: string;
  /** Every request seen: path with query, and the Authorization header. */
  seen: Array<{ path: string; authorization: string | undefined }>;
  mode: 'normal' | 'hang' | 'huge';
  /** A node without governance (the route is not registered) / without logs_store. */
  governanceOff: boolean;
  logsOff: boolean;
  logs: LogEntry[];
  /** The governance usage answered; undefined = sampleUsage() at each request. */
  usage?: UsageReport | undefined;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

/** The usage report of a config with two virtual keys, a rate limit and a budget. */
export function sampleUsage(now = Date.now()): UsageReport {
  const windowStart = new Date(now - 20 * 60_000).toISOString();
  const resetsAt = new Date(now + 40 * 60_000).toISOString();
  const dayStart = new Date(now - 5 * HOUR).toISOString();
  const dayEnd = new Date(now + 19 * HOUR).toISOString();
  const requests = { limit_kind: 'requests' as const, used: 730, limit: 1000, reset_duration: '1h', window_start: windowStart, resets_at: resetsAt };
  const tokens = { limit_kind: 'tokens' as const, used: 41_200, limit: 200_000, reset_duration: '1h', window_start: windowStart, resets_at: resetsAt };
  const budget = { limit_kind: 'cost_usd' as const, used: 9.42, limit: 10, reset_duration: '1d', window_start: dayStart, resets_at: dayEnd };
  return {
    store: 'up',
    rate_limits: [{ id: 'rl-team', counters: [requests, tokens] }],
    budgets: [{ id: 'budget-daily', ...budget }],
    virtual_keys: [
      {
        id: 'vk-support',
        name: 'support-bot',
        is_active: true,
        team_id: 'team-support',
        counters: [
          { level: 'virtual_key', level_id: 'vk-support', scope_kind: 'budget', scope_id: 'budget-daily', ...budget },
          { level: 'team', level_id: 'team-support', scope_kind: 'rate_limit', scope_id: 'rl-team', ...requests },
          { level: 'team', level_id: 'team-support', scope_kind: 'rate_limit', scope_id: 'rl-team', ...tokens },
        ],
      },
      { id: 'vk-batch', name: 'nightly-batch', is_active: false, counters: [] },
    ],
  };
}

/** `count` log rows over the last minutes, across three nodes, two providers, some failures. */
export function sampleLogs(count: number, now = Date.now()): LogEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const failed = i % 7 === 3;
    const provider = i % 3 === 0 ? 'anthropic' : 'openai';
    const model = provider === 'openai' ? (i % 2 ? 'gpt-4o-mini' : 'gpt-4o') : 'claude-3-5-haiku';
    return {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      request_id: `req-${i}`,
      timestamp: new Date(now - i * 7000).toISOString(),
      node: `gateway-${(i % 3) + 1}`,
      method: 'POST',
      route: '/v1/chat/completions',
      provider,
      model,
      status: failed ? 'error' : 'success',
      http_status: failed ? 502 : 200,
      error_details: failed ? { type: 'upstream_error', message: 'provider answered 503' } : null,
      latency: 180 + ((i * 97) % 900),
      time_to_first_token: null,
      token_usage: failed
        ? { prompt_tokens: null, completion_tokens: null, total_tokens: null }
        : { prompt_tokens: 120 + i, completion_tokens: 40 + i, total_tokens: 160 + 2 * i },
      cost: failed ? null : Math.round((0.0004 + i * 0.00003) * 1e6) / 1e6,
      stream: false,
      cancelled: false,
      number_of_retries: 0,
      fallback_index: 0,
      selected_key_name: 'primary',
      virtual_key_id: 'vk-support',
      virtual_key_name: 'support-bot',
      team_id: 'team-support',
      customer_id: null,
      stop_reason: failed ? null : 'stop',
      input_history: [{ role: 'user', content: `question ${i}` }],
      output_message: failed ? null : { role: 'assistant', content: `answer ${i}` },
      params: null,
      tools: null,
      tool_calls: null,
    };
  });
}

/** Starts the stand-in on loopback; `admin` is the Basic user and password it requires. */
export async function startFakeGatewayNode(admin: { username: string; password: string }): Promise<FakeGatewayNode> {
  const expected = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  const node: Omit<FakeGatewayNode, 'url' | 'close'> = { seen: [], mode: 'normal', governanceOff: false, logsOff: false, logs: sampleLogs(60) };
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // The node's error envelope (Bifrost's), as its error handler writes it.
  const error = (status: number, message: string, param: string | null = null) => ({
    is_bifrost_error: true,
    status_code: status,
    error: { type: 'invalid_request_error', code: null, message, param },
    extra_fields: {},
  });
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://node');
    node.seen.push({ path: url.pathname + url.search, authorization: req.headers.authorization });
    if (node.mode === 'hang') return; // never answers
    if (node.mode === 'huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      let sent = 0;
      const more = () => {
        while (sent < 50 && res.write(chunk)) sent += 1;
        if (sent < 50) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => {});
      more();
      return;
    }
    if (url.pathname === '/api/governance/usage') {
      // Not registered on a node without governance: the node's 404 for an unknown route.
      if (node.governanceOff) return send(res, 404, error(404, `no route for GET ${url.pathname}`));
      return send(res, 200, node.usage ?? sampleUsage());
    }
    if (url.pathname.startsWith('/api/logs')) {
      if (req.headers.authorization !== expected) return send(res, 401, error(401, 'admin credentials required (HTTP Basic, governance.auth_config)'));
      if (node.logsOff) return send(res, 404, error(404, 'the request log is not enabled on this node (logs_store with type "postgres")'));
      const id = url.pathname.slice('/api/logs/'.length);
      if (id) {
        const entry = node.logs.find((l) => l.id === decodeURIComponent(id));
        return entry ? send(res, 200, entry) : send(res, 404, error(404, `no log with id ${id}`));
      }
      return answerSearch(url, node.logs, (status, body) => send(res, status, body), error);
    }
    send(res, 404, error(404, `no route for GET ${url.pathname}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(node as FakeGatewayNode, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

/** GET /api/logs over the rows in memory, with the node's own parser (providers, models, status, paging). */
function answerSearch(url: URL, rows: LogEntry[], send: (status: number, body: unknown) => void, error: (s: number, m: string, p?: string) => unknown): void {
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  let parsed: ReturnType<typeof parseLogQuery>;
  try {
    parsed = parseLogQuery(query);
  } catch (e) {
    if (!(e instanceof LogQueryError)) throw e;
    send(400, error(400, e.message, e.param));
    return;
  }
  const { filters, page } = parsed;
  const matches = rows.filter(
    (r) =>
      (!filters.providers || filters.providers.includes(r.provider)) &&
      (!filters.models || filters.models.includes(r.model)) &&
      (!filters.status || filters.status.includes(r.status)),
  );
  const ok = matches.filter((r) => r.status === 'success');
  const result: LogSearchResult = {
    logs: matches.slice(page.offset, page.offset + page.limit),
    pagination: { limit: page.limit, offset: page.offset, sort_by: page.sortBy, order: page.order, total_count: matches.length },
    stats: {
      total_requests: matches.length,
      success_rate: matches.length ? Math.round((ok.length / matches.length) * 10000) / 100 : 0,
      average_latency: matches.length ? Math.round((matches.reduce((s, r) => s + r.latency, 0) / matches.length) * 100) / 100 : 0,
      total_tokens: matches.reduce((s, r) => s + (r.token_usage.total_tokens ?? 0), 0),
      total_cost: matches.reduce((s, r) => s + (r.cost ?? 0), 0),
    },
  };
  send(200, result);
}
