import { docker } from './run-command.js';

/** A node's own /health, read inside its container (nodes are not published). */
export interface NodeHealth {
  status: string;
  config_fingerprint: string;
  in_flight: number;
  node: string;
}

/** Reads /health from inside a gateway container with node itself. */
export async function readNodeHealth(containerId: string): Promise<NodeHealth> {
  // node:http rather than fetch: loading fetch costs a cold Node 20 process seconds on a busy host.
  const script = "require('node:http').get('http://127.0.0.1:8080/health',r=>{let b='';r.on('data',c=>b+=c);r.on('end',()=>process.stdout.write(b))})";
  return JSON.parse(await docker(['exec', containerId, 'node', '-e', script], { timeoutMs: 30_000 })) as NodeHealth;
}

/** Calls the Docker API through the socket proxy from inside the reloader container; returns the HTTP status. */
export async function callThroughSocketProxy(reloaderId: string, method: string, path: string): Promise<number> {
  const script = `require('node:http').request('http://socket-proxy:2375${path}',{method:'${method}'},r=>{process.stdout.write(String(r.statusCode));r.resume()}).end()`;
  return Number(await docker(['exec', reloaderId, 'node', '-e', script], { timeoutMs: 30_000 }));
}
