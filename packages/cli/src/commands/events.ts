import type { EventFilterInput, EventPage, EventQuery, Ops } from '@hookrelay/ops';
import { formatTable, shortTime, type Output } from '../output.js';

/** The flags of `hookrelay events`, as commander hands them over (all text: ops checks them). */
export interface EventsFlags {
  readonly source?: string;
  readonly destination?: string;
  readonly status?: string;
  readonly type?: string;
  readonly eventId?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

/** Each filter's flag, in the order the "More:" line repeats them. */
const FLAGS: readonly (readonly [keyof EventsFlags & keyof EventFilterInput, string])[] = [
  ['source', '--source'],
  ['destination', '--destination'],
  ['status', '--status'],
  ['type', '--type'],
  ['eventId', '--event-id'],
  ['since', '--since'],
  ['until', '--until'],
  ['limit', '--limit'],
];

/** A word as a shell reads it back: bare when safe, else in single quotes (`'payment_intent.*'`). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command that lists the page after this one: the same config and filters, `--cursor next`. */
function nextCommand(flags: EventsFlags, next: string, config: string | undefined): string {
  const words = ['hookrelay', 'events'];
  if (config !== undefined) words.push('--config', shellWord(config));
  words.push('--cursor', next);
  for (const [key, flag] of FLAGS) {
    const value = flags[key];
    if (value !== undefined) words.push(flag, shellWord(value));
  }
  return words.join(' ');
}

/** `3 events shown.`: an event that fans out is one event on several rows. */
function shownLine(page: EventPage): string {
  const events = new Set(page.items.map(({ id }) => id)).size;
  const rows = page.items.length;
  const perDestination = rows === events ? '' : ` (${rows} rows, one per destination)`;
  return `${events} event${events === 1 ? '' : 's'} shown${perDestination}.`;
}

/** What `hookrelay events` lists: the query (checked before Redis is reached) and the flags it came from. */
export interface EventsRequest {
  readonly query: EventQuery;
  readonly flags: EventsFlags;
  /** The `--config` given, repeated in the command for the next page. */
  readonly config?: string;
}

/**
 * `hookrelay events`: every retained event, newest first, as GET /api/events lists them (one row
 * per destination). A page with more after it ends with the command that lists the next one.
 */
export async function events(
  ops: Ops,
  { query, flags, config }: EventsRequest,
  output: Output,
): Promise<void> {
  const page = await ops.listEvents(query);
  if (output.json) return output.data(page);
  const more = page.next === null ? '' : ` More: ${nextCommand(flags, page.next, config)}`;
  if (page.items.length === 0) {
    // A short page can still carry `next`: the filters matched nothing among the events examined.
    return output.line(page.next === null ? 'No events match.' : `No events match so far.${more}`);
  }
  const rows = page.items.map((item) => [
    item.id,
    item.eventId,
    item.source,
    item.destination,
    item.eventType,
    item.status,
    shortTime(item.receivedAt),
    item.attempts,
    item.lastStatus,
    item.lastError,
  ]);
  output.line(
    formatTable(
      [
        'ID',
        'EVENT ID',
        'SOURCE',
        'DESTINATION',
        'TYPE',
        'STATUS',
        'RECEIVED',
        'ATTEMPTS',
        'LAST',
        'LAST ERROR',
      ],
      rows,
    ),
  );
  output.line(`${shownLine(page)}${more}`);
}
