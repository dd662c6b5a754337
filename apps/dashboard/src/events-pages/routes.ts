import { Router, type Request, type Response } from 'express';
import type { Logger } from '@hookrelay/logger';
import {
  AmbiguousEventError,
  EventNotFinishedError,
  OpsError,
  parseEventQuery,
  UnknownEventError,
  type EventPage,
  type Ops,
} from '@hookrelay/ops';
import { eventAmbiguousPage, eventNotFoundPage, opsErrorPage } from './error-page.js';
import { eventPage } from './event-page.js';
import { eventsListPage } from './events-list-page.js';
import { html, type SafeHtml } from './html.js';
import { notice } from './layout.js';
import { eventPath } from './links.js';
import { filtersOf, queryText } from './query.js';

/** Longer than any id (ours or a provider's): not looked up. */
const MAX_SEARCH = 256;

/**
 * `Referrer-Policy: same-origin` instead of helmet's `no-referrer`: under `no-referrer` a browser
 * sends `Origin: null` with a form post, even to its own origin, and refuseCrossOrigin rightly
 * refuses that, so the Replay form would never work. Same-origin sends the page's origin to the
 * dashboard itself and still no referrer anywhere else.
 */
function sendPage(response: Response, status: number, page: string): void {
  response
    .status(status)
    .set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin' })
    .type('html')
    .send(page);
}

function redirect(response: Response, location: string): void {
  response.set('Cache-Control', 'no-store').redirect(303, location);
}

/** The page for an event lookup that failed with `error`: 404, 409 with the candidates, or the error's own status. */
function sendLookupError(response: Response, id: string, error: OpsError): void {
  if (error instanceof UnknownEventError) return sendPage(response, 404, eventNotFoundPage(id));
  if (error instanceof AmbiguousEventError)
    return sendPage(response, 409, eventAmbiguousPage(id, error.ids));
  sendPage(response, error.status, opsErrorPage(error.message));
}

/** What the search box found: a redirect target, or a notice to show above the list. */
async function search(ops: Ops, q: string): Promise<{ id: string } | { notice: SafeHtml }> {
  const nothing = { notice: notice('info', html`No event with id <code>${q}</code>.`) };
  if (q.length > MAX_SEARCH) return nothing;
  try {
    const id = await ops.resolveEventId(q);
    return id === undefined ? nothing : { id };
  } catch (error) {
    if (error instanceof AmbiguousEventError) {
      const links = error.ids.map(
        (id, i) => html`${i > 0 ? ', ' : ''}<a class="mono" href="${eventPath(id)}">${id}</a>`,
      );
      return {
        notice: notice(
          'info',
          html`Several events carry the provider id <code>${q}</code>: ${links}.`,
        ),
      };
    }
    throw error;
  }
}

/** `?replayed=<n>`, set by the replay's redirect: how many destinations it went to. */
function replayedNotice(request: Request): SafeHtml | undefined {
  const count = request.query.replayed;
  if (typeof count !== 'string' || !/^\d{1,4}$/.test(count)) return undefined;
  return notice('success', `Replayed to ${count} destination(s).`);
}

/**
 * The server-rendered events pages (no script: forms and links): GET /events lists and searches,
 * GET /events/:id shows one event, POST /events/:id/replay replays it. Mounted behind the same
 * cross-origin refusal and credential check as the ops API. Refusals from @hookrelay/ops become
 * pages with their status; anything else goes on to the API's error handler (logged, no stack).
 */
export function eventsPages(ops: Ops, logger: Logger): Router {
  const pages = Router();
  const sources = ops.queues.sources();

  pages.get('/events', async (request, response) => {
    const { filters, error: unreadable } = filtersOf(request);
    let q: string | undefined;
    let refused = unreadable;
    try {
      q = queryText(request, 'q');
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      refused ??= error.message;
    }
    const model = { sources, filters, q };
    if (refused !== undefined)
      return sendPage(response, 400, eventsListPage({ ...model, error: refused }));

    let found: SafeHtml | undefined;
    if (q !== undefined) {
      const outcome = await search(ops, q);
      if ('id' in outcome) return redirect(response, eventPath(outcome.id));
      found = outcome.notice;
    }
    let page: EventPage;
    try {
      page = await ops.listEvents(parseEventQuery(filters));
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      // An unknown source is a filter to fix, like a bad date: 400, with the form to fix it in.
      const status = error.status === 404 ? 400 : error.status;
      return sendPage(
        response,
        status,
        eventsListPage({ ...model, notice: found, error: error.message }),
      );
    }
    sendPage(response, 200, eventsListPage({ ...model, notice: found, page }));
  });

  pages.get('/events/:id', async (request, response) => {
    const id = request.params.id as string;
    try {
      const event = await ops.showEvent(id);
      sendPage(response, 200, eventPage({ event, notice: replayedNotice(request) }));
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      sendLookupError(response, id, error);
    }
  });

  // No body parser: the form sends nothing but the submit, and the id is in the path.
  pages.post('/events/:id/replay', async (request, response) => {
    const id = request.params.id as string;
    try {
      const replay = await ops.replayEvent(id);
      logger.info('event replayed', { id: replay.id, deliveries: replay.deliveries });
      redirect(response, `${eventPath(replay.id)}?replayed=${replay.replayed}`);
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      if (!(error instanceof EventNotFinishedError)) return sendLookupError(response, id, error);
      let event;
      try {
        event = await ops.showEvent(id);
      } catch (lookup) {
        if (!(lookup instanceof OpsError)) throw lookup;
        return sendLookupError(response, id, lookup);
      }
      sendPage(response, 409, eventPage({ event, notice: notice('error', error.message) }));
    }
  });

  return pages;
}
