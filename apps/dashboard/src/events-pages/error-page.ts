import { html, type SafeHtml } from './html.js';
import { layout, notice } from './layout.js';
import { eventPath } from './links.js';

function errorPage(title: string, content: SafeHtml): string {
  const body = html`<h1>${title}</h1>
    ${content}
    <p><a href="/events">← All events</a></p>`;
  return layout({ title, body, current: 'events' });
}

/** 404: no retained event answers to the id (never received, or past retention). */
export function eventNotFoundPage(id: string): string {
  return errorPage(
    'Event not found',
    notice(
      'error',
      html`No retained event has the id or provider id <code>${id}</code>: it was never received, or
        it is past retention.`,
    ),
  );
}

/** 409: several retained events carry that provider id; each is a link to its own page. */
export function eventAmbiguousPage(id: string, ids: readonly string[]): string {
  return errorPage(
    'Several events match',
    html`${notice('error', html`The provider id <code>${id}</code> names ${ids.length} retained events; pick one by its hookrelay id.`)}
      <ul>
        ${ids.map((found) => html`<li><a class="mono" href="${eventPath(found)}">${found}</a></li>`)}
      </ul>`,
  );
}

/** Any other refusal of @hookrelay/ops (Redis unavailable…): its message, never a stack. */
export function opsErrorPage(message: string): string {
  return errorPage('The operation failed', notice('error', message));
}
