import { createRequire } from 'node:module';
import type { Agent as AgentClass, errors as UndiciErrors } from 'undici';

const require = createRequire(import.meta.url);

/**
 * undici's Agent and error classes, loaded from their own modules rather than the package
 * index. The index also loads fetch, WebSocket, EventSource, the HTTP cache and the mock
 * agents, none of which the node uses; on Node 20 that costs about 100 ms of start-up and
 * 9 MB of resident memory, a tenth of an idle node (bench/RESULTS.md). A test checks that
 * these are the very classes the package exports, so an undici upgrade that moves them fails
 * the suite instead of a node.
 */
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentClass;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;
