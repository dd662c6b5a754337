import type { Ops } from '@hookrelay/ops';
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
 * `hookrelay dlq list`: dead events, newest first, as GET /api/dead-letters gives them. Columns
 * are named after its fields: `ID` is hookrelay's id, `EVENT ID` the provider's.
 */
export async function dlqList(ops: Ops, options: DlqListOptions, output: Output): Promise<void> {
  const page = await ops.listDeadLetters(options);
  if (output.json) return output.data(page);
  if (page.total === 0) return output.line(searched(options));
  const rows = page.deadLetters.map((d) => [
    d.id,
    d.eventId,
    d.source,
    d.destination,
    d.eventType,
    shortTime(d.receivedAt),
    shortTime(d.deadAt),
    d.attempts.length,
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
        'LAST ERROR',
      ],
      rows,
    ),
  );
  output.line(
    `${page.deadLetters.length} of ${page.total} dead event${page.total === 1 ? '' : 's'} shown.`,
  );
}
