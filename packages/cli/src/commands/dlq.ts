import type { DeadLetterPage, Ops } from '@hookrelay/ops';
import { formatTable, shortTime, type Output } from '../output.js';

export interface DlqListOptions {
  readonly source?: string;
  readonly limit?: number;
  /** A hookrelay id (`evt_…`) or a provider event id. */
  readonly id?: string;
}

/** What was searched, for the line that says nothing was found. */
function searched({ source, id }: DlqListOptions): string {
  const where = source ? ` for ${source}` : '';
  return id ? `No dead event has id or provider id ${id}${where}.` : `No dead events${where}.`;
}

/**
 * Whether the page needs the `WENT AHEAD` column: some dead letter listed is of a destination with
 * `orderBy` (docs/ordering.md), or had events of its key delivered after it (its destination's
 * `orderBy` since removed). Deployments without ordered delivery never see the column.
 */
function showsWentAhead(ops: Ops, page: DeadLetterPage): boolean {
  const ordered = new Set(
    ops.queues
      .all()
      .filter(({ config }) => config.orderBy !== undefined)
      .map(({ source, destination }) => `${source}\u0000${destination}`),
  );
  return page.deadLetters.some(
    (d) => d.deliveredAfter.length > 0 || ordered.has(`${d.source}\u0000${d.destination}`),
  );
}

/**
 * `hookrelay dlq list`: dead events, newest first, as GET /api/dead-letters gives them. Columns
 * are named after its fields: `ID` is hookrelay's id, `EVENT ID` the provider's. For ordered
 * destinations, `WENT AHEAD` counts the events of the dead event's key delivered after it
 * (`deliveredAfter`; `-` for none).
 */
export async function dlqList(ops: Ops, options: DlqListOptions, output: Output): Promise<void> {
  const page = await ops.listDeadLetters(options);
  if (output.json) return output.data(page);
  if (page.total === 0) return output.line(searched(options));
  const wentAhead = showsWentAhead(ops, page);
  const rows = page.deadLetters.map((d) => [
    d.id,
    d.eventId,
    d.source,
    d.destination,
    d.eventType,
    shortTime(d.receivedAt),
    shortTime(d.deadAt),
    d.attempts.length,
    ...(wentAhead ? [d.deliveredAfter.length || '-'] : []),
    d.lastError,
  ]);
  output.line(
    formatTable(
      [
        'ID',
        'EVENT ID',
        'SOURCE',
        'DESTINATION',
        'TYPE',
        'RECEIVED',
        'DEAD SINCE',
        'ATTEMPTS',
        ...(wentAhead ? ['WENT AHEAD'] : []),
        'LAST ERROR',
      ],
      rows,
    ),
  );
  output.line(
    `${page.deadLetters.length} of ${page.total} dead event${page.total === 1 ? '' : 's'} shown.`,
  );
}
