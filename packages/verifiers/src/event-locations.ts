import type { IncomingHttpHeaders } from 'node:http';

export interface EventContext {
  /** The parsed body (JSON or form), computed at most once per request. */
  body(): unknown;
  readonly headers: IncomingHttpHeaders;
}

export type FieldReader = (context: EventContext) => string | undefined;

/** Compiles `body.a.b` or `headers.x-name` once at start-up into a reader. */
export function compileLocation(location: string): FieldReader {
  const [root, ...path] = location.split('.');
  if (root === 'headers' && path.length > 0) {
    const name = path.join('.').toLowerCase();
    return ({ headers }) => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
  }
  if (root === 'body') {
    return (context) => {
      let value: unknown = context.body();
      for (const key of path) {
        if (value === null || typeof value !== 'object') return undefined;
        value = (value as Record<string, unknown>)[key];
      }
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    };
  }
  throw new Error(`event location "${location}" must start with body. or headers.`);
}

export function isValidLocation(location: string): boolean {
  return /^(body(\.[^.]+)*|headers\.[^.]+)$/.test(location);
}
