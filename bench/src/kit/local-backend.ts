import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A plain node:http backend on 127.0.0.1; each bench's own answers every request in `handle`. */
export abstract class LocalBackend {
  url = '';
  private server?: Server;

  /** Answers one request the relay sent. */
  protected abstract handle(req: IncomingMessage, res: ServerResponse): void;

  /** Listens on a free port of 127.0.0.1, keeping connections alive 60 s, and sets `url`. */
  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** Drops every open connection and stops listening. */
  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
