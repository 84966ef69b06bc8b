import { createServer, maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type Koa from 'koa';
import { GatewayError, toErrorEnvelope } from '../core/errors.js';

/**
 * Keep-alive pairing with the load balancer: the node keeps idle sockets 65 s, longer than
 * nginx's upstream `keepalive_timeout` (60 s), so nginx always closes an idle socket first
 * and never sends a request onto one the node is closing.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/**
 * A client has this long from a request's first byte to the end of its headers (slowloris).
 * Since Node 18 the clock starts at the request's first byte, not when a kept-alive socket
 * went idle, so it can be far shorter than the keep-alive timeout.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/**
 * A client has this long to send a whole request, body included. A body that never ends
 * would otherwise hold its connection and count as in flight for ever, stalling a rollout's
 * drain. Responses (streams included) are not bounded by it.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** How often Node checks those two deadlines (its default, 30 s, would add up to 30 s to each). */
const DEADLINE_CHECK_INTERVAL_MS = 1000;

/** Limits on how long a client may take to send its request. */
export interface RequestTimeouts {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Creates the HTTP server for an app, with the node's keep-alive and request deadlines. */
export function createHttpServer(app: Koa, timeouts: RequestTimeouts = {}): Server {
  const server = createServer({ connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS }, app.callback());
  const requestTimeoutMs = timeouts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Node requires headersTimeout <= requestTimeout.
  server.headersTimeout = Math.min(timeouts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeoutMs);
  server.requestTimeout = requestTimeoutMs;
  server.on('clientError', answerClientError);
  return server;
}

/**
 * Node's own answer to a request it could not read is a bare status line; clients (and the
 * SDKs' error messages) get more from Bifrost's JSON envelope saying what went wrong, with the
 * status Node itself would have sent.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const responding = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (!socket.writable || responding || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const shown = clientErrorOf(error.code);
  const body = JSON.stringify(toErrorEnvelope(shown));
  socket.end(
    `HTTP/1.1 ${shown.status} ${STATUS_CODES[shown.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** What a client is told about a request Node could not read, by Node's error code. */
function clientErrorOf(code: string | undefined): GatewayError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GatewayError('request_timeout', 'the request was not received in time (its headers and body each have a deadline); send it again');
    case 'HPE_HEADER_OVERFLOW':
      // Node answers 431 itself here; a 400 "could not be parsed" sent clients looking for a syntax error.
      return new GatewayError(
        'headers_too_large',
        `the request's headers are larger than this node accepts (${maxHeaderSize / 1024} KB with the request line); send fewer or smaller headers`,
      );
    default:
      return new GatewayError('invalid_request', 'the request could not be parsed as HTTP');
  }
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
