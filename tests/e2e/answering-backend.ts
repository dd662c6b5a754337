import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listen } from '@hookrelay/testing';

/** 200 KB of numbered lines: any 4 KB window of it is unique, so "the first 4096 bytes" is checkable. */
export const BIG_ANSWER = Buffer.from(
  Array.from({ length: 30_000 }, (_, i) => `line ${String(i).padStart(6, '0')}\n`).join(''),
).subarray(0, 200 * 1024);

/** What /trickle sends, one byte a second: 30 s in all, far longer than any timeout the tests set. */
const TRICKLE_BYTES = 30;

export interface Hit {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
  /** When the connection closed, and whether the answer had been sent in full by then. */
  closed?: { readonly at: number; readonly answerFinished: boolean };
}

export interface AnsweringBackend {
  readonly url: string;
  readonly hits: Hit[];
  hitsOn(path: string): Hit[];
  close(): Promise<void>;
}

/**
 * Backends that answer awkwardly, on node:http: /trickle sends 200 headers then one byte a second,
 * /big-ok answers 200 with BIG_ANSWER, /big-error answers 500 with it. Records every request and
 * when its connection closed, so a test can tell that the relay dropped the socket.
 */
export async function startAnsweringBackend(): Promise<AnsweringBackend> {
  const hits: Hit[] = [];
  const server = createServer((request, response) => {
    request.resume();
    const hit: Hit = { path: request.url ?? '', headers: request.headers, at: Date.now() };
    hits.push(hit);
    let timer: NodeJS.Timeout | undefined;
    response.on('close', () => {
      clearInterval(timer);
      hit.closed = { at: Date.now(), answerFinished: response.writableFinished };
    });
    if (hit.path === '/trickle') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const drip = () => {
        response.write('.');
        if (++sent < TRICKLE_BYTES) return;
        clearInterval(timer);
        response.end();
      };
      drip();
      timer = setInterval(drip, 1_000);
      return;
    }
    const status = hit.path === '/big-ok' ? 200 : hit.path === '/big-error' ? 500 : 404;
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(BIG_ANSWER);
  });
  const listening = await listen(server);
  return {
    url: listening.url,
    hits,
    hitsOn: (path) => hits.filter((hit) => hit.path === path),
    close: () => listening.close(),
  };
}
