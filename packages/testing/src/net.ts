import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Listening {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

type Listenable = { listen(port: number, host: string, callback: () => void): Server };

/**
 * Listens on a free loopback port — an app that listens itself (Express) or a plain request
 * listener (the ingress's) — and `close()` also drops keep-alive connections.
 */
export function listen(app: Listenable | RequestListener, port = 0): Promise<Listening> {
  const listenable: Listenable = 'listen' in app ? app : createHttpServer(app);
  return new Promise((resolve) => {
    const server = listenable.listen(port, '127.0.0.1', () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
