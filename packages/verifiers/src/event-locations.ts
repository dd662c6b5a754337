import type { IncomingHttpHeaders } from 'node:http';
import { isValidLocation } from '@hookrelay/units';

export { isValidLocation };

export interface EventContext {
  /** The parsed body (JSON or form), computed at most once per request. */
  body(): unknown;
  readonly headers: IncomingHttpHeaders;
}

export type FieldReader = (context: EventContext) => string | undefined;

/** Walks `path` into a parsed body; undefined as soon as a step is not an object. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function compileSingle(location: string): FieldReader {
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
      const value = valueAt(context.body(), path);
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    };
  }
  throw new Error(`event location "${location}" must start with body. or headers.`);
}

/**
 * Compiles `body.a.b` or `headers.x-name` once at start-up into a reader. Alternatives joined by `|`
 * (`headers.webhook-id|headers.svix-id`) are tried in order: one provider may name a field two ways
 * (Standard Webhooks vs Svix headers, Flutterwave v4 vs v3 bodies).
 */
export function compileLocation(location: string): FieldReader {
  if (!isValidLocation(location))
    throw new Error(`event location "${location}" must be body.<field> or headers.<name>`);
  const readers = location.split('|').map(compileSingle);
  if (readers.length === 1) return readers[0]!;
  return (context) => {
    for (const read of readers) {
      const value = read(context);
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  };
}
