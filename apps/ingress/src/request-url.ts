import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Express's compiled `trust proxy` setting: is the hop at `address` a proxy we trust? */
export type TrustProxy = (address: string | undefined, hop: number) => boolean;

/** The path part of a request target (`/webhooks/stripe?x=1` → `/webhooks/stripe`), as Express's `req.path`. */
export function pathOf(target: string | undefined): string {
  if (!target) return '/';
  if (target.startsWith('/')) {
    const query = target.indexOf('?');
    return query === -1 ? target : target.slice(0, query);
  }
  try {
    return new URL(target).pathname; // absolute-form target (RFC 9112 §3.2.2)
  } catch {
    return target;
  }
}

/**
 * The URL the provider called, built as Express builds `req.protocol` + Host + `req.originalUrl`:
 * `X-Forwarded-Proto` counts only from a trusted proxy (`ingress.trustProxy`). Only URL-signing
 * schemes (Twilio) read it.
 */
export function requestUrl(request: IncomingMessage, trust: TrustProxy): string {
  const socket = request.socket as Partial<TLSSocket>;
  let protocol = socket.encrypted ? 'https' : 'http';
  const forwarded = request.headers['x-forwarded-proto'];
  if (typeof forwarded === 'string' && forwarded && trust(socket.remoteAddress, 0)) {
    const comma = forwarded.indexOf(',');
    protocol = (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim();
  }
  return `${protocol}://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`;
}
