import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server listening on 127.0.0.1 at an ephemeral port. */
export interface LoopbackListener {
  /** `http://127.0.0.1:<port>`, to use as a provider's `network_config.base_url`. */
  origin: string;
  /** Stops listening and drops open connections (keep-alive sockets, streams) so a test ends at once. */
  close(): Promise<void>;
}

/** Starts `server` on loopback at an ephemeral port. */
export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
