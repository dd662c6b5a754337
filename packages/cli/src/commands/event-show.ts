import type {
  AttemptRecord as Attempt,
  EventDelivery,
  EventDetail,
  Ops,
  ReplayRecord,
} from '@hookrelay/ops';
import type { Output } from '../output.js';

/** The answer lines shown under an attempt, and the most characters shown of each. */
const ANSWER_LINES = 10;
const ANSWER_LINE_WIDTH = 200;
/** The worker keeps the first 4096 bytes of an answer (cut on a character boundary). */
const KEPT_ANSWER_BYTES = 4096;

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `${by}${line}`))
    .join('\n');

const isoTime = (ms: number): string => new Date(ms).toISOString();

/** The body as people read it: JSON pretty-printed, other text as is, base64 said so. */
function bodySection(request: EventDetail['request']): string[] {
  const { body, bodyEncoding, contentType } = request;
  if (body === null) return ['Body: not kept'];
  if (bodyEncoding === 'base64') {
    const bytes = Buffer.from(body, 'base64').length;
    const type = contentType ? `${contentType}, ` : '';
    return [`Body (${type}${bytes} bytes, not UTF-8: shown as base64)`, indent(body, '  ')];
  }
  const about = [contentType, `${Buffer.byteLength(body)} bytes`].filter(Boolean).join(', ');
  if (body === '') return [`Body (${about}): empty`];
  let shown = body;
  try {
    shown = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // Not JSON: shown as received.
  }
  return [`Body (${about})`, indent(shown, '  ')];
}

/** What came back: the first lines of the answer the worker kept, under its content type. */
function answerLines(attempt: Attempt): string[] {
  const { response, responseType } = attempt;
  if (response === undefined) return [];
  const kept = Buffer.byteLength(response) >= KEPT_ANSWER_BYTES - 3 ? ' (first 4 KB)' : '';
  const type = responseType ? `, ${responseType}` : '';
  if (response === '') return [`answer${type}: empty`];
  const lines = response.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const shown = lines
    .slice(0, ANSWER_LINES)
    .map((line) =>
      line.length > ANSWER_LINE_WIDTH ? `  ${line.slice(0, ANSWER_LINE_WIDTH)}…` : `  ${line}`,
    );
  const rest = lines.length - ANSWER_LINES;
  if (rest > 0) shown.push(`  … ${rest} more line${rest === 1 ? '' : 's'}`);
  return [`answer${kept}${type}:`, ...shown];
}

/** `HTTP 500`, or what happened when no status came back (`timeout after 10 s`). */
function resultOf(attempt: Attempt): string {
  if (attempt.status !== undefined) return `HTTP ${attempt.status}`;
  return attempt.error ?? '-';
}

/** The error when it says more than the status (`… — destination held 3 s`), else nothing. */
function detailOf(attempt: Attempt): string {
  if (attempt.error === undefined || attempt.status === undefined) return '';
  return attempt.error === `HTTP ${attempt.status} from the backend` ? '' : `  (${attempt.error})`;
}

/**
 * One destination's timeline: a line per attempt (`#1  2026-…Z  HTTP 500  12 ms  retry`) with
 * the backend's answer under it, the replays between attempts at their time, then the status.
 */
function timeline(delivery: EventDelivery): string[] {
  const cells = delivery.attempts.map((attempt) => [
    `#${attempt.attempt}`,
    isoTime(attempt.at),
    resultOf(attempt),
    `${attempt.durationMs} ms`,
  ]);
  const widths = [0, 1, 2, 3].map((column) =>
    Math.max(0, ...cells.map((row) => row[column]!.length)),
  );
  const replays: ReplayRecord[] = [...delivery.replays];
  const lines = [`Delivery to ${delivery.destination}`];
  const replayLine = ({ replayedAt, from }: ReplayRecord) =>
    `  ↻ replayed  ${isoTime(replayedAt)}  (it was ${from}; attempts count from #1 again)`;
  delivery.attempts.forEach((attempt, i) => {
    while (replays.length > 0 && replays[0]!.replayedAt <= attempt.at)
      lines.push(replayLine(replays.shift()!));
    const row = cells[i]!.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
    lines.push(`  ${row}  ${attempt.outcome}${detailOf(attempt)}`);
    lines.push(...answerLines(attempt).map((line) => `      ${line}`));
  });
  lines.push(...replays.map(replayLine));
  if (delivery.attempts.length === 0 && delivery.replays.length === 0)
    lines.push('  no attempt yet');
  const error = delivery.lastError === null ? '' : ` — ${delivery.lastError}`;
  lines.push(`  status: ${delivery.status}${error}`);
  return lines;
}

/** The whole event for people: what was received, then each destination's timeline. */
export function formatEvent(event: EventDetail): string {
  const facts: [string, string | null][] = [
    ['event id', event.eventId],
    ['source', event.source],
    ['type', event.eventType],
    ['received at', event.receivedAt],
    ['request id', event.requestId],
  ];
  const width = Math.max(...facts.map(([label]) => label.length));
  const { headers } = event.request;
  const sections = [
    [
      `Event ${event.id}`,
      ...facts.map(([label, value]) => `  ${label.padEnd(width)}  ${value ?? '-'}`),
    ],
    headers === null
      ? ['Headers: not kept']
      : ['Headers', ...Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`)],
    bodySection(event.request),
    ...event.deliveries.map(timeline),
  ];
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}

/**
 * `hookrelay events show <id>`: one event by hookrelay's id or the provider's, as GET
 * /api/events/<id> gives it. Secret header values come masked from the event log, printed as given.
 */
export async function eventShow(ops: Ops, id: string, output: Output): Promise<void> {
  const event = await ops.showEvent(id);
  if (output.json) return output.data(event);
  output.line(formatEvent(event));
}
