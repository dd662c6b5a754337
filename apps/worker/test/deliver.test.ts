import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { deliver } from '../src/deliver.js';
import { createHttpClient } from '../src/http-client.js';

interface Backend {
  readonly url: string;
  /** Resolves when the connection of the n-th request closes, with whether the answer was sent whole. */
  readonly closed: Promise<boolean>[];
  readonly sockets: Socket[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function backend(answer: RequestListener): Promise<Backend> {
  const closed: Promise<boolean>[] = [];
  const sockets: Socket[] = [];
  const server = createServer((request, response) => {
    request.resume();
    sockets.push(request.socket);
    closed.push(
      new Promise((resolve) => response.on('close', () => resolve(response.writableFinished))),
    );
    answer(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, closed, sockets };
}

/** Writes `chunk` every `everyMs` until the client goes away; the answer never ends by itself. */
function endless(status: number, chunk: string, everyMs: number): RequestListener {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'text/plain' });
    const timer = setInterval(() => response.write(chunk), everyMs);
    response.on('close', () => clearInterval(timer));
  };
}

const client = createHttpClient(4);
const request = (url: string) => ({ url, headers: {}, body: Buffer.from('{}') });

describe('deliver', () => {
  it('times out a 200 whose body trickles in, at the deadline, though bytes keep coming, and closes the socket', async () => {
    const slow = await backend(endless(200, '.', 50));
    const result = await deliver(client, request(slow.url), 300);
    expect(result).toEqual({
      kind: 'retry',
      error: 'timeout after 300 ms',
      failure: 'timeout',
      durationMs: expect.any(Number),
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(1_000);
    expect(await slow.closed[0]).toBe(false);
  });

  it('times out a backend that never sends its headers', async () => {
    const silent = await backend(() => undefined);
    const result = await deliver(client, request(silent.url), 200);
    expect(result).toMatchObject({
      kind: 'retry',
      failure: 'timeout',
      error: 'timeout after 200 ms',
    });
    expect(result).not.toHaveProperty('status');
    expect(await silent.closed[0]).toBe(false);
  });

  it('delivers a 200 whose body never ends as soon as 4 KB have arrived, without reading the rest', async () => {
    const talkative = await backend(endless(200, 'x'.repeat(1_000), 5));
    const result = await deliver(client, request(talkative.url), 5_000);
    expect(result).toMatchObject({ kind: 'delivered', status: 200, response: 'x'.repeat(4096) });
    expect(result.durationMs).toBeLessThan(2_000);
    expect(await talkative.closed[0]).toBe(false);
  });

  it('retries a 500 with a large body, keeping its status and only the first 4 KB', async () => {
    const failing = await backend((_request, response) =>
      response.writeHead(500).end('e'.repeat(300 * 1024)),
    );
    const result = await deliver(client, request(failing.url), 5_000);
    expect(result).toMatchObject({
      kind: 'retry',
      status: 500,
      error: 'HTTP 500 from the backend',
    });
    expect(result.response).toBe('e'.repeat(4096));
    expect(result).not.toHaveProperty('failure');
  });

  it('keeps a small answer whole, reads Retry-After, and reuses the keep-alive socket', async () => {
    const throttling = await backend((_request, response) =>
      response.writeHead(429, { 'retry-after': '3' }).end('slow down'),
    );
    const first = await deliver(client, request(throttling.url), 5_000);
    const second = await deliver(client, request(throttling.url), 5_000);
    for (const result of [first, second])
      expect(result).toMatchObject({
        kind: 'retry',
        status: 429,
        retryAfterMs: 3_000,
        response: 'slow down',
      });
    expect(throttling.sockets[1]).toBe(throttling.sockets[0]);
  });

  it('rejects a 4xx with its (empty) answer', async () => {
    const refusing = await backend((_request, response) => response.writeHead(400).end());
    expect(await deliver(client, request(refusing.url), 5_000)).toMatchObject({
      kind: 'reject',
      status: 400,
      error: 'HTTP 400 from the backend',
      response: '',
    });
  });

  it('sends the body as is with its headers and length, and follows no redirect: a 3xx is retried', async () => {
    const seen: { headers: Record<string, unknown>; body: string }[] = [];
    const moved = await backend((req, response) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        response.writeHead(302, { location: '/elsewhere' }).end('moved');
      });
    });
    const result = await deliver(
      client,
      {
        url: moved.url,
        headers: { 'content-type': 'application/json', 'x-a': '1' },
        body: Buffer.from('{"a":1}'),
      },
      5_000,
    );
    expect(result).toMatchObject({ kind: 'retry', status: 302, response: 'moved' });
    expect(seen).toEqual([
      {
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'x-a': '1',
          'content-length': '7',
        }),
        body: '{"a":1}',
      },
    ]);
    expect(seen[0]!.headers).not.toHaveProperty('accept-encoding');
  });

  it('keeps the text of an answer compressed although nothing asked for it', async () => {
    const zipping = await backend((_request, response) =>
      response
        .writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' })
        .end(gzipSync('all good')),
    );
    expect(await deliver(client, request(zipping.url), 5_000)).toMatchObject({
      kind: 'delivered',
      status: 200,
      response: 'all good',
      responseType: 'text/plain',
    });
  });

  it('reports an answer cut before its end as a connection error', async () => {
    const cut = await backend((req, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial', () => req.socket.destroy());
    });
    expect(await deliver(client, request(cut.url), 5_000)).toMatchObject({
      kind: 'retry',
      failure: 'connection_error',
      error: 'connection reset (ECONNRESET)',
    });
  });

  it('reports a refused connection as a connection error, with no answer', async () => {
    const closedPort = await backend(() => undefined);
    servers.splice(0).forEach((server) => server.close());
    const result = await deliver(createHttpClient(1), request(closedPort.url), 5_000);
    expect(result).toMatchObject({
      kind: 'retry',
      failure: 'connection_error',
      error: 'connection refused (ECONNREFUSED)',
    });
    expect(result).not.toHaveProperty('status');
    expect(result).not.toHaveProperty('response');
  });
});
