import type Router from '@koa/router';
import { ApiError } from '../errors.js';
import type { AdminCredentials } from './auth.js';
import type { NodeAnswer, NodeApiClient } from './node-api.js';
import type { ReloaderStatus } from './status.js';

/**
 * GET /api/governance/usage, GET /api/logs and GET /api/logs/:id: passed on to one healthy
 * gateway node (the governance counters and the request log are shared, so any node answers
 * the same), with the admin credentials of governance.auth_config as HTTP Basic. The node's
 * answer is passed on as it is (nodes never include a provider key); a node without the
 * feature (404) becomes a clear GOVERNANCE_NOT_ENABLED / REQUEST_LOG_NOT_ENABLED for the page.
 */
export interface NodeApiRoutesDeps {
  status: () => ReloaderStatus;
  credentials: () => Promise<AdminCredentials>;
  client: NodeApiClient;
  /** Forwards in flight at once; more answer 503 (each holds up to the size cap in memory). */
  maxInFlight?: number;
}

type Feature = 'governance' | 'logs' | 'log';

/** What a request log id looks like (the nodes use UUIDs). */
const LOG_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The part of a request context a forward uses. */
interface ForwardContext {
  querystring: string;
  set(field: string, value: string): void;
  body: unknown;
}

const NOT_ENABLED: Record<Feature, () => ApiError> = {
  governance: () =>
    new ApiError('GOVERNANCE_NOT_ENABLED', 'governance is not enabled on the gateway nodes (config.json has no "governance" section)', { enabled: false }),
  logs: () => logsOff(),
  log: () => logsOff(),
};

function logsOff(): ApiError {
  return new ApiError('REQUEST_LOG_NOT_ENABLED', 'the request log is not enabled on the gateway nodes (logs_store with type "postgres" in config.json)', {
    enabled: false,
  });
}

/** Adds the three routes. */
export function addNodeApiRoutes(router: Router, deps: NodeApiRoutesDeps): void {
  const maxInFlight = deps.maxInFlight ?? 8;
  let inFlight = 0;
  const forward = async (ctx: ForwardContext, feature: Feature, path: string) => {
    if (inFlight >= maxInFlight) {
      ctx.set('Retry-After', '1');
      throw new ApiError('NODE_API_BUSY', 'too many gateway node reads at once; try again in a second');
    }
    inFlight += 1;
    try {
      const query = ctx.querystring ? `?${ctx.querystring}` : '';
      const { node, answer } = await askOneNode(deps, path + query);
      ctx.set('Cache-Control', 'no-store');
      ctx.set('X-Gateway-Node', node);
      ctx.body = passOn(answer, feature, node);
    } finally {
      inFlight -= 1;
    }
  };
  router.get('/api/governance/usage', (ctx) => forward(ctx, 'governance', '/api/governance/usage'));
  router.get('/api/logs', (ctx) => forward(ctx, 'logs', '/api/logs'));
  router.get('/api/logs/:id', (ctx) => {
    const id = String(ctx.params.id);
    // A plain id only: `..` or `.` would survive encodeURIComponent and be resolved by the URL
    // parser, sending the admin credentials to another path of the node (`/api/logs/..` is `/api/`).
    if (!LOG_ID.test(id)) throw new ApiError('BAD_REQUEST', 'a log id is letters, digits, "-" and "_" only (at most 128)');
    return forward(ctx, 'log', `/api/logs/${id}`);
  });
}

/** Asks the healthy nodes in turn (in rotation first), moving on only when one does not answer; two tries at most. */
async function askOneNode(deps: NodeApiRoutesDeps, pathAndQuery: string): Promise<{ node: string; answer: NodeAnswer }> {
  const candidates = deps
    .status()
    .nodes.filter((n): n is typeof n & { ip: string } => n.health === 'ok' && n.ip !== null)
    .sort((a, b) => Number(b.in_rotation) - Number(a.in_rotation))
    .slice(0, 2);
  if (candidates.length === 0) {
    throw new ApiError('NO_HEALTHY_NODE', 'no healthy gateway node to ask right now; see the Nodes section');
  }
  const basic = (await deps.credentials()).basic;
  const authorization = basic ? `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` : undefined;
  let last: { node: string; answer: NodeAnswer } | undefined;
  for (const node of candidates) {
    last = { node: node.name, answer: await deps.client(node.ip, pathAndQuery, authorization) };
    if (last.answer.kind === 'answered' || last.answer.kind === 'too-large') break;
  }
  return last as { node: string; answer: NodeAnswer };
}

/** The node's JSON on success; otherwise the ApiError that says what went wrong, for people. */
function passOn(answer: NodeAnswer, feature: Feature, node: string): unknown {
  if (answer.kind === 'timeout') throw new ApiError('NODE_TIMEOUT', `${node} did not answer in time; try again, or narrow the query`, { node });
  if (answer.kind === 'too-large')
    throw new ApiError('NODE_ANSWER_TOO_LARGE', `${node}'s answer is too large to pass on: ask for fewer rows (limit)`, { node });
  if (answer.kind === 'unreachable') throw new ApiError('NODE_UNREACHABLE', `${node} could not be reached`, { node });
  const message = nodeMessage(answer.body);
  if (answer.status === 200 && answer.body !== undefined) return answer.body;
  if (answer.status === 404) {
    // GET /api/logs/:id also answers 404 for an unknown id while the log is on.
    if (feature === 'log' && !/not enabled/.test(message ?? '')) throw new ApiError('LOG_NOT_FOUND', message ?? 'no such log', { node });
    throw NOT_ENABLED[feature]();
  }
  if (answer.status === 401 || answer.status === 403) {
    throw new ApiError(
      'NODE_AUTH_REFUSED',
      `${node} refused the admin credentials the reloader sent: the reloader reads governance.auth_config from config.json; ` +
        'an "env.NAME" password must be set in the reloader\'s environment too (compose passes ADMIN_PASSWORD)',
      { node },
    );
  }
  if (answer.status === 400) throw new ApiError('BAD_REQUEST', message ?? 'the node refused the query', { node });
  throw new ApiError('NODE_ERROR', `${node} answered ${answer.status}${message ? `: ${message}` : ''}`, { node });
}

/** The message of a node's error envelope (Bifrost's `{ error: { message } }`), shortened. */
function nodeMessage(body: unknown): string | undefined {
  const message = (body as { error?: { message?: unknown } } | null | undefined)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 300) : undefined;
}
