import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';
import zlib from 'node:zlib';
import { AnswerPrefix, KEPT_ANSWER_BYTES } from './read-answer.js';

/** A backend's answer: its status, its headers and the start of its body. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first `maxBytes` of the body (decompressed when the backend compressed it). */
  readonly body: Buffer;
}

export interface PostOptions {
  readonly headers: Readonly<Record<string, string>>;
  /** Bounds the whole exchange: connecting, sending, the headers and the part of the body read. */
  readonly timeoutMs: number;
  /** How much of the body is read; the rest never is (default KEPT_ANSWER_BYTES). */
  readonly maxBytes?: number;
}

/** What deliver() needs of an HTTP client: one POST and its answer. */
export interface HttpClient {
  /**
   * POSTs `body`; resolves with the answer, whatever its status, once its body ended or its first
   * `maxBytes` came (then the rest is dropped with the socket, never buffered). Rejects with
   * DeadlineError once `timeoutMs` passed, at any stage (the socket is closed), or with the
   * connection's error (a Node.js error, with its `code`).
   */
  post(url: string, body: Buffer, options: PostOptions): Promise<HttpAnswer>;
}

/** The whole exchange took longer than its `timeoutMs`. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
  }
}

/** What decodes a compressed answer, by its Content-Encoding. */
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The body as text can be read: nothing asks for a compressed answer (no Accept-Encoding is sent),
 * but one that comes compressed anyway is decoded. Destroying the decoded stream destroys the
 * answer too (pipeline), so its socket is closed rather than left half-read.
 */
function decoded(answer: IncomingMessage): Readable {
  const encoding = answer.headers['content-encoding']?.trim().toLowerCase();
  const decoder = encoding === undefined ? undefined : DECODERS[encoding];
  if (!decoder) return answer;
  return pipeline(answer, decoder(), () => undefined) as unknown as Readable;
}

interface Target {
  readonly options: http.RequestOptions;
  readonly send: typeof http.request;
}

/**
 * One client for every delivery, on node:http (docs/contract.md §5): keep-alive sockets (at most
 * `maxSockets` per backend host), no redirect ever followed (a 3xx is an answer like any other),
 * no proxy, the body sent as is, every status an answer, at most `maxBytes` of it read. Each
 * destination's URL is parsed once.
 */
export function createHttpClient(maxSockets: number): HttpClient {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
  const targets = new Map<string, Target>();
  const targetOf = (url: string): Target => {
    let target = targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      const secure = parsed.protocol === 'https:';
      if (!secure && parsed.protocol !== 'http:')
        throw new TypeError(`unsupported protocol ${parsed.protocol}`);
      target = {
        options: {
          ...urlToHttpOptions(parsed),
          method: 'POST',
          agent: secure ? agents.https : agents.http,
        },
        send: secure ? https.request : http.request,
      };
      targets.set(url, target);
    }
    return target;
  };

  return {
    post(url, body, { headers, timeoutMs, maxBytes = KEPT_ANSWER_BYTES }) {
      return new Promise<HttpAnswer>((resolve, reject) => {
        const { options, send } = targetOf(url);
        let settled = false;
        const request = send({
          ...options,
          headers: { ...headers, 'content-length': String(body.length) },
        });
        const settle = () => {
          settled = true;
          clearTimeout(deadline);
        };
        const fail = (error: Error) => {
          if (settled) return;
          settle();
          // Whatever stage it is at (connecting, sending, reading): the socket goes with it.
          request.destroy();
          reject(error);
        };
        const deadline = setTimeout(() => fail(new DeadlineError(timeoutMs)), timeoutMs);
        request.on('error', fail);
        request.on('response', (answer) => {
          const data = decoded(answer);
          const kept = new AnswerPrefix(maxBytes);
          const done = () => {
            if (settled) return;
            settle();
            resolve({
              status: answer.statusCode ?? 0,
              headers: answer.headers,
              body: kept.bytes(),
            });
          };
          data.on('data', (chunk: Buffer) => {
            if (settled || !kept.take(chunk)) return;
            // Enough: the rest is never read, and the socket, half-read, cannot be reused.
            data.destroy();
            answer.destroy();
            done();
          });
          data.on('end', done);
          data.on('error', fail);
          // Closed before its end without an error of its own: the connection went. (Every
          // answer closes, after its end too: no error is made for those.)
          data.on('close', () => {
            if (!settled) fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
          });
        });
        request.end(body);
      });
    },
  };
}
