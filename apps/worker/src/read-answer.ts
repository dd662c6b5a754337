import type { Readable } from 'node:stream';

/** How much of a backend's answer is kept for the event log (docs/contract.md §5); the rest is never read. */
export const KEPT_ANSWER_BYTES = 4096;

/**
 * Reads at most `maxBytes` of an answer body, then destroys the stream: the rest is never
 * buffered, and the socket, which can no longer be reused, is closed rather than left half-read.
 * Rejects when the stream fails first, e.g. when `deadline` aborts a body that trickles in.
 */
export async function readAnswerPrefix(
  body: Readable,
  deadline: AbortSignal,
  maxBytes = KEPT_ANSWER_BYTES,
): Promise<Buffer> {
  const onDeadline = () => body.destroy(new Error('deadline reached while reading the answer'));
  deadline.addEventListener('abort', onDeadline, { once: true });
  if (deadline.aborted) onDeadline();
  const chunks: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const taken = bytes.subarray(0, maxBytes - kept);
      chunks.push(taken);
      kept += taken.length;
      // Leaving the loop early destroys the stream (and with it the socket).
      if (kept >= maxBytes) break;
    }
  } finally {
    deadline.removeEventListener('abort', onDeadline);
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(chunks, kept);
}

/**
 * The kept bytes as text of at most `maxBytes` in UTF-8: a character cut in two at the end is
 * dropped, and bytes that are not UTF-8 become U+FFFD (which may make the text longer, so it is cut
 * again on a character boundary).
 */
export function answerText(bytes: Buffer, maxBytes = KEPT_ANSWER_BYTES): string {
  // `stream: true` holds back an incomplete trailing sequence instead of emitting U+FFFD for it.
  const text = new TextDecoder().decode(bytes, { stream: true });
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return new TextDecoder().decode(Buffer.from(text).subarray(0, maxBytes), { stream: true });
}
