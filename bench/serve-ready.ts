import type { Server } from 'node:http';

/**
 * Listens on 127.0.0.1 (PORT, or any free port), prints "READY <port>" for the bench that
 * spawned this process, and closes every connection and exits on SIGTERM.
 */
export function serveAndAnnounce(server: Server): void {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(`READY ${port}\n`);
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
