import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

/**
 * Keep-alive pairing with the load balancer: the node keeps idle sockets 65 s, longer than
 * nginx's upstream `keepalive_timeout` (60 s), so nginx always closes an idle socket first
 * and never sends a request onto one the node is closing. headersTimeout must exceed
 * keepAliveTimeout (Node's rule).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;

/** Creates the HTTP server for an app, with the node's keep-alive and timeout settings. */
export function createHttpServer(app: Koa): Server {
  const server = createServer(app.callback());
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // Streams may legitimately last minutes; upstream timeouts bound real work instead.
  server.requestTimeout = 0;
  return server;
}

/** Listens and resolves with the bound port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
