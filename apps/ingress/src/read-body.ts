import type { IncomingMessage } from 'node:http';

/** The body is larger than the source allows: answered 413 payload_too_large. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** The client went away before the whole body arrived. */
export class BodyAbortedError extends Error {
  override readonly name = 'BodyAbortedError';
}

/** Reads the exact bytes of the body, refusing early (by Content-Length) or as soon as `limit` is passed. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) {
    request.resume();
    return Promise.reject(
      new PayloadTooLargeError(`body of ${declared} bytes is over the ${limit} byte limit`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        request.resume();
        reject(new PayloadTooLargeError(`body is over the ${limit} byte limit`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onAborted = () => {
      cleanup();
      reject(new BodyAbortedError('request aborted'));
    };
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('aborted', onAborted);
      request.off('error', onAborted);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('aborted', onAborted);
    request.on('error', onAborted);
  });
}
