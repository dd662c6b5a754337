/** Thrown when a body a source needs to read cannot be parsed; answered 400 body_invalid. */
export class BodyParseError extends Error {
  override readonly name = 'BodyParseError';
}

/** Parses JSON or form-urlencoded bodies (after verification, on the exact bytes received). */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BodyParseError('body is not valid JSON');
  }
}
