import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP forwarder to the Docker engine's socket that a test can cut and restore. */
export interface CuttableDockerSocket {
  port: number;
  /** Refuses new connections and drops the open ones, as a stopped socket proxy would. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<port> to the engine's unix socket (DOCKER_HOST=unix://... or the
 * default), so a test can take the Docker API away in the middle of a node's restart.
 */
export async function startCuttableDockerSocket(): Promise<CuttableDockerSocket> {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) throw new Error(`this test forwards a unix socket; DOCKER_HOST is ${host}`);
  const socketPath = host.slice('unix://'.length);
  const open = new Set<Socket>();
  const listen = (server: Server, port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const makeServer = () =>
    createServer((client) => {
      const engine = connect(socketPath);
      for (const s of [client, engine]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(engine).pipe(client);
    });
  let server = makeServer();
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of open) s.destroy();
    });
  };
  return {
    port,
    cut: stop,
    async restore() {
      server = makeServer();
      await listen(server, port);
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
