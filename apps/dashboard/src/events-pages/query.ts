import type { Request } from 'express';
import { EVENT_FILTERS, InvalidFilterError, type EventFilterInput } from '@hookrelay/ops';

/**
 * One query parameter as text, trimmed; empty means absent. A parameter given several times
 * (`?status=a&status=b`, which Express reads as an array) is refused, never passed on.
 */
export function queryText(request: Request, name: string): string | undefined {
  const value = request.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidFilterError(`${name}: give it once`);
  const text = value.trim();
  return text === '' ? undefined : text;
}

/**
 * The list filters of the query string, as text (parseEventQuery checks them), plus every filter
 * that could be read when one could not, for showing the form back. Unknown parameters are ignored.
 */
export function filtersOf(request: Request): { filters: EventFilterInput; error?: string } {
  const filters: Record<string, string> = {};
  let error: string | undefined;
  for (const name of EVENT_FILTERS) {
    try {
      const value = queryText(request, name);
      if (value !== undefined) filters[name] = value;
    } catch (refused) {
      if (!(refused instanceof InvalidFilterError)) throw refused;
      error ??= refused.message;
    }
  }
  return { filters, error };
}
