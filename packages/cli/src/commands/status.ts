import type { Ops, SourceCounts } from '@hookrelay/ops';
import { formatTable, type Output } from '../output.js';

/** `hookrelay status`: every source/destination's counts, as GET /api/sources gives them. */
export async function status(ops: Ops, output: Output): Promise<void> {
  const sources: SourceCounts[] = await ops.sourceCounts();
  if (output.json) return output.data({ sources });
  const rows = sources.flatMap((source) =>
    source.destinations.map((d) => [
      source.name,
      d.name,
      d.waiting,
      d.scheduled,
      d.delivering,
      d.retrying,
      d.delivered,
      d.dead,
      d.paused ? 'paused' : 'running',
      d.breaker,
    ]),
  );
  output.line(
    formatTable(
      [
        'SOURCE',
        'DESTINATION',
        'WAITING',
        'SCHEDULED',
        'DELIVERING',
        'RETRYING',
        'DELIVERED',
        'DEAD',
        'STATE',
        'BREAKER',
      ],
      rows,
    ),
  );
}
