import type { Ops } from '@hookrelay/ops';
import { formatTable, shortTime, type Output } from '../output.js';

export interface DlqListOptions {
  readonly source?: string;
  readonly limit?: number;
}

/** `hookrelay dlq list`: dead events, newest first, as GET /api/dead-letters gives them. */
export async function dlqList(ops: Ops, options: DlqListOptions, output: Output): Promise<void> {
  const page = await ops.listDeadLetters(options);
  if (output.json) return output.data(page);
  if (page.total === 0)
    return output.line(
      options.source ? `No dead events for ${options.source}.` : 'No dead events.',
    );
  const rows = page.deadLetters.map((d) => [
    d.id,
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
      ['ID', 'SOURCE', 'DESTINATION', 'TYPE', 'RECEIVED', 'DEAD SINCE', 'ATTEMPTS', 'LAST ERROR'],
      rows,
    ),
  );
  output.line(
    `${page.deadLetters.length} of ${page.total} dead event${page.total === 1 ? '' : 's'} shown.`,
  );
}
