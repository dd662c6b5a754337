import { createHash } from 'node:crypto';
import type { SourceConfig } from '@hookrelay/config';

/**
 * What a repeat of an event is recognised by within `retention.dedupe` (README "Security", replay
 * protection), as one key so the check and the write stay one atomic Redis step.
 *
 * With content de-duplication — the default for schemes that sign no timestamp — it is the signed
 * content: the signature value that verified (the same content always gives the same value, however
 * its bytes are re-encoded), or the body's hash when nothing binds the body (Flutterwave v3, tokens).
 * A captured request replayed with a fresh unsigned id header (`X-GitHub-Delivery`…) is then still a
 * duplicate. Otherwise it is the provider's event id, when the source has one.
 */
export function dedupeIdOf(
  source: SourceConfig,
  eventId: string | undefined,
  fingerprint: string | undefined,
  body: Buffer,
): string | undefined {
  if (source.dedupeContent) {
    const digest = createHash('sha256')
      .update(fingerprint ?? body)
      .digest('hex');
    // Source names cannot hold ':', so this never meets an event-id key (`<source>.<id>`).
    return `${source.name}:content:${digest}`;
  }
  return eventId === undefined ? undefined : `${source.name}.${eventId}`;
}
