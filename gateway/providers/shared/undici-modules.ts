import { createRequire } from 'node:module';
import type { Agent as AgentClass, errors as UndiciErrors } from 'undici';

const require = createRequire(import.meta.url);

/**
 * undici's Agent and its error classes, loaded from their own modules rather than the package
 * index. The index also loads fetch, WebSocket, EventSource, the HTTP cache, the mock agents and
 * the request API, none of which the node uses (it reads the dispatcher directly:
 * whole-response.ts, streamed-response.ts); on Node 20 that costs about 100 ms of start-up and
 * 9 MB of resident memory, a tenth of an idle node (bench/RESULTS.md).
 *
 * Tests check that these are the classes the package exports, and, in a process that never
 * loads the index, that a request goes through; an undici upgrade that moves them fails the
 * suite instead of a node.
 */
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentClass;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;
