import type { IncomingHttpHeaders } from 'node:http';
import { REDACTED, sensitiveKeys, type SensitiveKey } from '@hookrelay/logger';
import { REDACTED_HEADERS, type Verifier } from '@hookrelay/verifiers';

/**
 * The headers whose values the event log must never hold for one source: its verifier's signature
 * headers, every provider's (REDACTED_HEADERS), and any name that says secret, token, signature,
 * authorization, cookie, api key… (the logger's rule, so logs and the event log mask alike).
 */
export function secretHeadersOf(verifier: Verifier): SensitiveKey {
  return sensitiveKeys([...REDACTED_HEADERS, ...verifier.signatureHeaders]);
}

/**
 * The request's headers as the event log keeps them (docs/events.md): every header, values of
 * secret ones replaced by `[redacted]`, repeated headers joined with `, ` as HTTP does.
 */
export function receivedHeaders(
  headers: IncomingHttpHeaders,
  isSecret: SensitiveKey,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    kept[name] = isSecret(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}
