import { createRequire } from 'node:module';
import type { Agent as AgentClass, Dispatcher, errors as UndiciErrors } from 'undici';

const require = createRequire(import.meta.url);

/**
 * undici's Agent, its request API and its error classes, loaded from their own modules rather
 * than the package index. The index also loads fetch, WebSocket, EventSource, the HTTP cache
 * and the mock agents, none of which the node uses; on Node 20 that costs about 100 ms of
 * start-up and 9 MB of resident memory, a tenth of an idle node (bench/RESULTS.md).
 *
 * The index is also what adds `request()` to every dispatcher's prototype, so without it the
 * request API is called as the function it is (`requestOn`). Tests check that these are the
 * classes the package exports, and, in a process that never loads the index, that a request
 * goes through; an undici upgrade that moves them fails the suite instead of a node.
 */
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentClass;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;

const requestApi = require('undici/lib/api/api-request.js') as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** `dispatcher.request(options)`, without relying on the index having patched the prototype. */
export function requestOn(dispatcher: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return requestApi.call(dispatcher, options);
}
