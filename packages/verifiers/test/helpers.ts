import type { IncomingHttpHeaders } from 'node:http';
import {
  compileLocation,
  createVerifier,
  parseBody,
  verifyConfigSchema,
  type BodyFormat,
  type IncomingWebhook,
  type Verdict,
} from '../src/index.js';

/** A fixed "now" so timestamps in tests never race the clock. */
export const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);
export const NOW_S = Math.floor(NOW_MS / 1000);

export function incoming(
  body: string | Buffer,
  headers: Record<string, string> = {},
  url = 'https://relay.example.com/hooks/test',
): IncomingWebhook {
  const lowered: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  return { body: Buffer.isBuffer(body) ? body : Buffer.from(body), headers: lowered, url };
}

/** Parses a raw `verify:` block the way the config loader does, then builds its verifier. */
export function verifierFor(raw: Record<string, unknown>) {
  return createVerifier(verifyConfigSchema.parse(raw));
}

export async function verdictOf(
  raw: Record<string, unknown>,
  request: IncomingWebhook,
  nowMs = NOW_MS,
): Promise<Verdict> {
  return verifierFor(raw).verify(request, nowMs);
}

/** The event id / type a provider's default locations read off a request. */
export function eventField(
  location: string | undefined,
  request: IncomingWebhook,
  format: BodyFormat = 'json',
): string | undefined {
  if (!location) return undefined;
  return compileLocation(location)({
    headers: request.headers,
    body: () => parseBody(request.body, format),
  });
}
