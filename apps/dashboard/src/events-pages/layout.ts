import { html, SafeHtml, type HtmlValue } from './html.js';

/**
 * The one stylesheet of the events pages, inline (the CSP allows inline styles, and nothing else:
 * no script, nothing from another origin). System fonts, a compact table, coloured status badges.
 */
const STYLE = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa;
  --link: #0969da; --green: #1a7f37; --green-bg: #dafbe1; --red: #cf222e; --red-bg: #ffebe9;
  --amber: #9a6700; --amber-bg: #fff8c5; --grey: #59636e; --grey-bg: #eaeef2; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
header.top { display: flex; align-items: center; gap: 20px; padding: 10px 24px; border-bottom: 1px solid var(--line); background: var(--bg-soft); }
header.top .brand { font-weight: 600; color: var(--fg); }
header.top nav { display: flex; gap: 14px; }
header.top nav a[aria-current="page"] { color: var(--fg); font-weight: 600; }
main { padding: 16px 24px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 4px 0 12px; word-break: break-all; }
h2 { font-size: 16px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); background: var(--bg-soft); vertical-align: bottom; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
td.error, span.error, div.error { color: var(--red); }
td.error { max-width: 320px; overflow-wrap: anywhere; }
tr.replay td { background: var(--bg-soft); color: var(--muted); font-style: italic; }
pre { margin: 0; padding: 8px; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 4px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 320px; overflow: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 8px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  color: var(--grey); background: var(--grey-bg); white-space: nowrap; }
.badge.green { color: var(--green); background: var(--green-bg); }
.badge.red { color: var(--red); background: var(--red-bg); }
.badge.amber { color: var(--amber); background: var(--amber-bg); }
.notice { padding: 8px 12px; border-radius: 4px; margin: 0 0 14px; border: 1px solid var(--line); background: var(--bg-soft); }
.notice.error { border-color: #ffcecb; background: var(--red-bg); color: var(--red); }
.notice.success { border-color: #aceebb; background: var(--green-bg); color: var(--green); }
form.inline { display: flex; flex-wrap: wrap; align-items: end; gap: 10px; margin: 0 0 12px; }
form.inline label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--fg); }
input[name="q"] { width: 340px; }
button { cursor: pointer; background: var(--bg-soft); font-weight: 600; }
button.primary { background: #1f883d; border-color: #1a7f37; color: #fff; }
.muted { color: var(--muted); }
.pager { display: flex; gap: 16px; margin: 12px 0; }
.caption { font-size: 12px; color: var(--muted); margin: 4px 0 2px; }
`;

/** The stylesheet is ours, not data: it goes in as is. */
const STYLESHEET = new SafeHtml(STYLE);

export interface PageOptions {
  readonly title: string;
  readonly body: SafeHtml;
  /** Which nav link is the current page. */
  readonly current?: 'events';
}

/** A whole document: the shared nav (Bull Board's queues at `/`, the events at `/events`) and `body`. */
export function layout({ title, body, current }: PageOptions): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · hookrelay</title>
        <style>
          ${STYLESHEET}
        </style>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/events">hookrelay</a>
          <nav>
            <a href="/events" ${current === 'events' ? attr('aria-current', 'page') : ''}>Events</a>
            <a href="/">Queues (Bull Board)</a>
          </nav>
        </header>
        <main>${body}</main>
      </body>
    </html> `.text;
}

function attr(name: string, value: string): SafeHtml {
  return html` ${name}="${value}"`;
}

/** A boxed message above the page's content. */
export function notice(kind: 'info' | 'error' | 'success', content: HtmlValue): SafeHtml {
  const role = kind === 'error' ? 'alert' : 'status';
  return html`<p class="notice ${kind}" role="${role}">${content}</p>`;
}
