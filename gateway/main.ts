// First: V8 settings that must hold before the request path's modules allocate anything.
import './lifecycle/v8-tuning.js';
import { stopOnSignalWhileStarting } from './lifecycle/startup-signals.js';

/**
 * The gateway node's entry point. A stop asked for while the node starts is honoured at once
 * (startup-signals.ts says why that needs a handler this early); then start-node.ts loads the
 * rest, validates the config, listens, and drains on SIGTERM from then on.
 */
stopOnSignalWhileStarting();
await import('./start-node.js');
