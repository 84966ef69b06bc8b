/**
 * The bare pass-through: the ceiling of a Node gateway on this box and the denominator of the
 * performance targets. node:http in, undici out, the body forwarded untouched both ways (no
 * parsing, no routing, no metrics, no logging). Prints "READY <port>" once listening.
 * UPSTREAM_ORIGIN is the mock upstream (http://127.0.0.1:<port>).
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { serveAndAnnounce } from '../serve-ready.js';

const upstream = new Pool(process.env.UPSTREAM_ORIGIN ?? 'http://127.0.0.1:9', { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
/** Hop-by-hop headers (RFC 9110 7.6.1) a proxy does not forward. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

const server = createServer((req, res) => {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  upstream
    .request({ method: req.method as 'POST', path: req.url ?? '/', headers, body: req })
    .then(({ statusCode, headers: answer, body }) => {
      const forwarded: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer)) if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
      res.writeHead(statusCode, forwarded);
      body.on('error', () => res.destroy());
      body.pipe(res);
    })
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
});
server.keepAliveTimeout = 30_000;
serveAndAnnounce(server);
