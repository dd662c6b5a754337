import type { BodyFormat } from './types.js';

/** Thrown when a body a source needs to read cannot be parsed; answered 400 body_invalid. */
export class BodyParseError extends Error {
  override readonly name = 'BodyParseError';
}

/**
 * Parses a body (after verification, on the exact bytes received) the way its *source* says. The
 * sender's Content-Type is not signed, so it never decides: a JSON payment event re-sent as a form
 * must not come out without its event id.
 */
export function parseBody(body: Buffer, format: BodyFormat): unknown {
  if (body.length === 0) return undefined;
  if (format === 'form') return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BodyParseError('body is not valid JSON');
  }
}
