/**
 * The memory floor of the node's runtime libraries: a process that loads what a gateway node
 * loads from node_modules and uses each the way the node does at start-up, then idles behind
 * one route, without any of the node's own code. The bench reads its RSS beside the node's, so
 * every run shows how much of an idle node is the libraries (and Node itself) and how much is
 * ours. Plain JavaScript run by node, as the node's dist/ is: under tsx its loader would count.
 * The node's idle trim (from dist/, so `npm run build` first) is the one piece of ours it runs:
 * the image starts Node without V8's memory reducer, and the trim's start-up collection is what
 * gives back what loading grew, in the floor as in the node.
 * Prints "READY <port>" once listening.
 */
import { createRequire } from 'node:module';
import Router from '@koa/router';
import { createParser } from 'eventsource-parser';
import { parse as parseJsonc } from 'jsonc-parser';
import Koa from 'koa';
import pino from 'pino';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import * as yup from 'yup';
import { startIdleMemoryTrim } from '../../dist/gateway/lifecycle/idle-memory-trim.js';

const require = createRequire(import.meta.url);
// The node loads undici's Agent and errors from their own modules, not the index (undici-modules.ts).
const Agent = require('undici/lib/dispatcher/agent.js');
require('undici/lib/core/errors.js');

const logger = pino({ level: 'info', base: undefined });
const registry = new Registry();
collectDefaultMetrics({ register: registry });
new Counter({ name: 'floor_requests_total', help: 'requests', labelNames: ['path', 'status'], registers: [registry] });
new Histogram({ name: 'floor_duration_seconds', help: 'duration', labelNames: ['path'], registers: [registry] });
const configSchema = yup.object({ providers: yup.object({ openai: yup.object({ keys: yup.array(yup.object({ value: yup.string().required() })) }) }) });
configSchema.validateSync(parseJsonc('{ "providers": { "openai": { "keys": [{ "value": "env.KEY" }] } } // jsonc\n}'));
createParser({ onEvent: () => undefined }).feed('data: {}\n\n');
const agent = new Agent({ connections: 256 });

const router = new Router();
router.get('/health', (ctx) => {
  ctx.body = { status: 'ok' };
});
const app = new Koa();
app.use(router.routes());
const server = app.listen(0, '127.0.0.1', () => {
  logger.info({ event: 'listening' }, 'library floor up');
  process.stdout.write(`READY ${server.address().port}\n`);
});
// It serves no inference request: the counter stays at zero, so only the start-up collection runs.
const trim = startIdleMemoryTrim({ admitted: () => 0 });
process.once('SIGTERM', () => {
  trim.stop();
  server.close();
  void agent.close();
});
