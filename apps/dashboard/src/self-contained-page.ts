import type { Express } from 'express';

type Rendered = (error: Error | null, html?: string) => void;
type Engine = (path: string, options: object, callback: Rendered) => void;

/** A `<link>` whose href is another origin: absolute (`https://…`) or protocol-relative (`//…`). */
const EXTERNAL_LINK = /<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?\/\/[^>]*>\s*/gi;

export function withoutExternalLinks(html: string): string {
  return html.replace(EXTERNAL_LINK, '');
}

/**
 * Bull Board's page template links Google Fonts' stylesheet: opening the ops console would call a
 * third party, and fail offline. This wraps the board's ejs engine so the page it renders links
 * nothing outside the dashboard; Bull Board's CSS names system fonts after its IBM Plex ones
 * (`system-ui, sans-serif`, `ui-monospace, monospace`), which the browser then uses.
 * Throws when a Bull Board upgrade stops rendering with ejs, rather than serve the links again.
 */
export function serveSelfContained(board: Express): void {
  const engines = (board as unknown as { engines: Record<string, Engine | undefined> }).engines;
  const render = engines['.ejs'];
  if (!render) throw new Error('Bull Board renders its page without ejs: see serveSelfContained');
  board.engine('ejs', (path, options, callback) =>
    render(path, options, (error, html) =>
      callback(error, html === undefined ? undefined : withoutExternalLinks(html)),
    ),
  );
}
