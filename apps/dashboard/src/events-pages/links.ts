import type { EventFilterInput } from '@hookrelay/ops';

/** The page of one event; the id is one path segment whatever it holds (a provider id may hold `/`). */
export function eventPath(id: string): string {
  return `/events/${encodeURIComponent(id)}`;
}

export function replayPath(id: string): string {
  return `${eventPath(id)}/replay`;
}

/** The list page with these filters (empty ones left out). */
export function listPath(filters: EventFilterInput): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters))
    if (value !== undefined && value !== '') query.set(name, value);
  const search = query.toString();
  return search === '' ? '/events' : `/events?${search}`;
}
