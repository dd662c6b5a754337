import type { EventDelivery, EventDetail, ReplayRecord } from '@hookrelay/ops';
import type { AttemptRecord } from '@hookrelay/queue';
import { outcomeBadge, statusBadge } from './badge.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';
import { listPath, replayPath } from './links.js';

export interface EventPageModel {
  readonly event: EventDetail;
  /** A notice above the facts (a replay done, or refused). */
  readonly notice?: SafeHtml;
}

const iso = (ms: number) => new Date(ms).toISOString();
const orDash = (value: string | null) => value ?? '—';

function facts(event: EventDetail): SafeHtml {
  return html`<dl class="facts">
    <dt>ID</dt>
    <dd class="mono">${event.id}</dd>
    <dt>Provider ID</dt>
    <dd class="mono">${orDash(event.eventId)}</dd>
    <dt>Source</dt>
    <dd><a href="${listPath({ source: event.source })}">${event.source}</a></dd>
    <dt>Type</dt>
    <dd class="mono">${orDash(event.eventType)}</dd>
    <dt>Received at</dt>
    <dd class="mono"><time datetime="${event.receivedAt}">${event.receivedAt}</time></dd>
    <dt>Request ID</dt>
    <dd class="mono">${orDash(event.requestId)}</dd>
  </dl>`;
}

function replayForm(id: string): SafeHtml {
  return html`<form method="post" action="${replayPath(id)}">
    <button type="submit" class="primary">Replay</button>
    <span class="muted"
      >delivers it again, with fresh attempts, to every destination where it is delivered or
      dead</span
    >
  </form>`;
}

function requestSection(request: EventDetail['request']): SafeHtml {
  const headers = request.headers
    ? html`<table class="headers">
        <thead>
          <tr>
            <th>Header</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          ${Object.entries(request.headers).map(
            ([name, value]) =>
              html`<tr>
                <td class="mono">${name}</td>
                <td class="mono">${value}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    : html`<p class="muted">The event log kept no headers for this event.</p>`;
  const body =
    request.body === null
      ? html`<p class="muted">The body is no longer retained.</p>`
      : html`${
            request.bodyEncoding === 'base64'
              ? html`<p class="caption">The body is not UTF-8 text: shown as base64.</p>`
              : ''
          }
          <pre class="request-body">${request.body}</pre>`;
  return html`<section class="request">
    <h2>Request</h2>
    <h3>Headers</h3>
    ${headers}
    <h3>Body <span class="muted">(${request.contentType ?? 'no content type'})</span></h3>
    ${body}
  </section>`;
}

/**
 * The HTTP status, or the error when there was no answer; both when the error says more than the
 * status (`HTTP 429 from the backend — destination held 3 s` already names it).
 */
function result(attempt: AttemptRecord): SafeHtml {
  const http = attempt.status === undefined ? undefined : `HTTP ${attempt.status}`;
  if (attempt.error === undefined) return html`<span class="mono">${http ?? '—'}</span>`;
  if (http === undefined || attempt.error.startsWith(http))
    return html`<span class="error">${attempt.error}</span>`;
  return html`<span class="mono">${http}</span> <span class="error">${attempt.error}</span>`;
}

function answer(attempt: AttemptRecord): SafeHtml {
  if (attempt.response === undefined) return html`<span class="muted">no answer</span>`;
  return html`<div class="caption">${attempt.responseType ?? 'no content type'}</div>
    <pre class="response">${attempt.response}</pre>`;
}

function attemptRow(attempt: AttemptRecord): SafeHtml {
  return html`<tr class="attempt">
    <td class="num">${attempt.attempt}</td>
    <td class="mono"><time datetime="${iso(attempt.at)}">${iso(attempt.at)}</time></td>
    <td>${result(attempt)}</td>
    <td class="num">${attempt.durationMs} ms</td>
    <td>${outcomeBadge(attempt.outcome)}</td>
    <td>${answer(attempt)}</td>
  </tr>`;
}

function replayRow(replay: ReplayRecord): SafeHtml {
  return html`<tr class="replay">
    <td></td>
    <td class="mono">
      <time datetime="${iso(replay.replayedAt)}">${iso(replay.replayedAt)}</time>
    </td>
    <td colspan="4">Replayed (it was ${replay.from}); attempts count again from 1</td>
  </tr>`;
}

/** Attempts and replays in time order, a replay before the attempts it started. */
function timeline(delivery: EventDelivery): SafeHtml[] {
  const entries = [
    ...delivery.replays.map((replay) => ({
      at: replay.replayedAt,
      order: 0,
      row: replayRow(replay),
    })),
    ...delivery.attempts.map((attempt, i) => ({
      at: attempt.at,
      order: i + 1,
      row: attemptRow(attempt),
    })),
  ];
  entries.sort((a, b) => a.at - b.at || a.order - b.order);
  return entries.map(({ row }) => row);
}

function deliverySection(delivery: EventDelivery): SafeHtml {
  const rows = timeline(delivery);
  return html`<section class="delivery">
    <h2>Deliveries to ${delivery.destination}</h2>
    <p>
      ${statusBadge(delivery.status)}
      ${delivery.lastError ? html`<span class="error">${delivery.lastError}</span>` : ''}
      <span class="muted"
        >· ${delivery.attempts.length}
        attempt(s)${
          delivery.replays.length > 0 ? html`, replayed ${delivery.replays.length} time(s)` : ''
        }</span
      >
    </p>
    ${
      rows.length === 0
        ? html`<p class="muted">No attempt yet.</p>`
        : html`<table class="attempts">
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>Result</th>
                <th>Duration</th>
                <th>Outcome</th>
                <th>Backend's answer</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
    }
  </section>`;
}

/** GET /events/:id: what was received, then each destination's attempts. */
export function eventPage({ event, notice }: EventPageModel): string {
  const body = html`${notice}
    <h1>Event <span class="mono">${event.id}</span></h1>
    ${facts(event)} ${replayForm(event.id)} ${requestSection(event.request)}
    ${event.deliveries.map(deliverySection)}`;
  return layout({ title: `Event ${event.id}`, body, current: 'events' });
}
