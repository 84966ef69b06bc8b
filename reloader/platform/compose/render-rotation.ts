import type { RotationServer } from '../platform.js';

// Re-exported for the compose files that render and apply server lists.
export type { RotationServer };

/**
 * Renders servers.conf, the body of nginx's `upstream gateway_nodes`. The parameters match
 * the contract: one failure takes a node out for 2 s, so a restart that slips past the
 * rotation still costs a client nothing (nginx retries the connect on another node).
 */
export function renderServersConf(servers: readonly RotationServer[], port: number, generation: number): string {
  const lines = [`# Written by the reloader, generation ${generation}. Do not edit: it is rewritten on every change.`];
  if (servers.length === 0) {
    // nginx rejects an empty upstream; a `down` server keeps the config loadable and answers 502.
    lines.push('server 127.0.0.1:9 down; # no gateway node is in rotation');
  }
  for (const server of servers) {
    lines.push(`server ${server.ip}:${port} max_fails=1 fail_timeout=2s; # ${server.name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Renders generation.conf, which nginx's internal :8081/rotation answers with. */
export function renderGenerationConf(generation: number): string {
  return `map "" $rotation_generation { default "${generation}"; }\n`;
}

/** Reads the generation number out of a generation.conf; undefined if there is none. */
export function parseGeneration(text: string): number | undefined {
  const match = /default\s+"?(\d+)"?\s*;/.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A stable key of a server list, to tell whether nginx needs a new one. */
export function rotationKey(servers: readonly RotationServer[]): string {
  return servers
    .map((s) => `${s.ip}`)
    .sort()
    .join(',');
}
