/**
 * The drain deadline: how long a request already accepted by a node may still run when that
 * node is taken out of service (a rollout, a scale down, `docker stop`). One value end to end:
 * the reloader waits this long for a node's in-flight count to reach zero before stopping it,
 * the node's own SIGTERM deadline (SHUTDOWN_TIMEOUT_MS) is the same, and Docker's stop timeout
 * (RELOADER_STOP_TIMEOUT_S, compose's stop_grace_period) is longer, so a request shorter than
 * the deadline is never cut.
 *
 * 10 minutes: the official OpenAI and Anthropic SDKs give a request 10 minutes by default
 * (a client has given up on anything longer), and nginx's proxy_read_timeout in front of the
 * nodes is 600 s. Long generations and reasoning models take minutes, not seconds.
 */
export const DEFAULT_DRAIN_DEADLINE_MS = 600_000;

/**
 * Seconds Docker gives a stopped node before SIGKILL: the drain deadline plus room for the
 * node's last steps after it (cut requests' final bytes, the request log's flush, exit).
 */
export const DEFAULT_NODE_STOP_TIMEOUT_S = DEFAULT_DRAIN_DEADLINE_MS / 1000 + 20;
