/** How much of a backend's answer is kept for the event log (docs/contract.md §5); the rest is never read. */
export const KEPT_ANSWER_BYTES = 4096;

/**
 * The first `maxBytes` of an answer body, chunk by chunk as they arrive: `take` says when it has
 * them all, so that the caller stops reading and drops the rest (it is never buffered).
 */
export class AnswerPrefix {
  private readonly chunks: Buffer[] = [];
  private kept = 0;

  constructor(private readonly maxBytes = KEPT_ANSWER_BYTES) {}

  /** Keeps what fits of `chunk`; true once `maxBytes` are kept. */
  take(chunk: Buffer | string): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const taken =
      bytes.length <= this.maxBytes - this.kept
        ? bytes
        : bytes.subarray(0, this.maxBytes - this.kept);
    if (taken.length > 0) this.chunks.push(taken);
    this.kept += taken.length;
    return this.kept >= this.maxBytes;
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
  }
}

/**
 * The kept bytes as text of at most `maxBytes` in UTF-8: a character cut in two at the end is
 * dropped, and bytes that are not UTF-8 become U+FFFD (which may make the text longer, so it is cut
 * again on a character boundary).
 */
export function answerText(bytes: Buffer, maxBytes = KEPT_ANSWER_BYTES): string {
  if (bytes.length === 0) return '';
  // `stream: true` holds back an incomplete trailing sequence instead of emitting U+FFFD for it.
  const text = new TextDecoder().decode(bytes, { stream: true });
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return new TextDecoder().decode(Buffer.from(text).subarray(0, maxBytes), { stream: true });
}
