import type { EventFilterInput, EventListItem, EventPage } from '@hookrelay/ops';
import { EVENT_STATUSES } from '@hookrelay/queue';
import { statusBadge } from './badge.js';
import { html, type SafeHtml } from './html.js';
import { layout, notice } from './layout.js';
import { eventPath, listPath } from './links.js';

/** Filters that have no control of their own on the page: kept (hidden) when the form is sent again. */
const CARRIED = ['destination', 'eventId', 'until', 'limit'] as const;

export interface EventsListModel {
  /** The config's sources, for the source select. */
  readonly sources: readonly string[];
  /** The filters as given (text); the page shows them back in the form and carries them in links. */
  readonly filters: EventFilterInput;
  /** What the search box held. */
  readonly q?: string;
  /** The page of events; absent when the filters were refused. */
  readonly page?: EventPage;
  /** Why the filters were refused. */
  readonly error?: string;
  /** Something to say above the list (a search that found nothing). */
  readonly notice?: SafeHtml;
}

function searchForm(q: string | undefined): SafeHtml {
  return html`<form class="inline" method="get" action="/events" role="search">
    <label
      >Find an event by id
      <input
        type="search"
        name="q"
        value="${q ?? ''}"
        placeholder="evt_… or the provider's event id"
        autocomplete="off"
      />
    </label>
    <button type="submit">Find</button>
  </form>`;
}

function select(
  name: string,
  label: string,
  any: string,
  options: readonly string[],
  chosen: string | undefined,
): SafeHtml {
  return html`<label
    >${label}
    <select name="${name}">
      <option value="">${any}</option>
      ${options.map(
        (option) =>
          html`<option value="${option}" ${option === chosen ? html` selected` : ''}>
            ${option}
          </option>`,
      )}
    </select>
  </label>`;
}

function filterForm(sources: readonly string[], filters: EventFilterInput): SafeHtml {
  return html`<form class="inline" method="get" action="/events">
    ${select('source', 'Source', 'All sources', sources, filters.source)}
    ${select('status', 'Status', 'Any status', EVENT_STATUSES, filters.status)}
    <label
      >Type (* matches anything)
      <input type="text" name="type" value="${filters.type ?? ''}" placeholder="payment_intent.*" />
    </label>
    <label
      >Since
      <input
        type="text"
        name="since"
        value="${filters.since ?? ''}"
        placeholder="1h, 30m, 7d or a date"
        size="18"
      />
    </label>
    ${CARRIED.map((name) =>
      filters[name] ? html`<input type="hidden" name="${name}" value="${filters[name]}" />` : '',
    )}
    <button type="submit">Filter</button>
    <a href="/events">Clear</a>
  </form>`;
}

/** `2025-01-02T10:11:12.345Z` → `2025-01-02 10:11:12Z`: the list is for scanning; the full ISO is in the title. */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function row(item: EventListItem): SafeHtml {
  return html`<tr>
    <td class="mono nowrap"><a href="${eventPath(item.id)}">${item.id}</a></td>
    <td class="mono">${item.eventId ?? '—'}</td>
    <td>${item.source} → ${item.destination}</td>
    <td class="mono">${item.eventType ?? '—'}</td>
    <td>${statusBadge(item.status)}</td>
    <td class="mono nowrap">
      <time datetime="${item.receivedAt}" title="${item.receivedAt}"
        >${shortTime(item.receivedAt)}</time
      >
    </td>
    <td class="num">${item.attempts}</td>
    <td class="num">${item.lastStatus ?? '—'}</td>
    <td class="error">${item.lastError ?? ''}</td>
  </tr>`;
}

function table(items: readonly EventListItem[]): SafeHtml {
  if (items.length === 0) return html`<p class="muted">No events match these filters.</p>`;
  return html`<table class="events">
    <thead>
      <tr>
        <th>ID</th>
        <th>Provider ID</th>
        <th>Source → destination</th>
        <th>Type</th>
        <th>Status</th>
        <th>Received</th>
        <th>Attempts</th>
        <th>Last status</th>
        <th>Last error</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(row)}
    </tbody>
  </table>`;
}

function pager(filters: EventFilterInput, next: string | null): SafeHtml {
  const { cursor, ...rest } = filters;
  return html`<div class="pager">
    ${cursor ? html`<a href="${listPath(rest)}">← Newest</a>` : ''}
    ${next !== null ? html`<a rel="next" href="${listPath({ ...rest, cursor: next })}">Older →</a>` : ''}
  </div>`;
}

/** GET /events: search, filters, and a page of events newest first. */
export function eventsListPage(model: EventsListModel): string {
  const body = html`<h1>Events</h1>
    ${model.notice} ${searchForm(model.q)} ${filterForm(model.sources, model.filters)}
    ${model.error !== undefined ? notice('error', model.error) : ''}
    ${model.page ? [table(model.page.items), pager(model.filters, model.page.next)] : ''}`;
  return layout({ title: 'Events', body, current: 'events' });
}
