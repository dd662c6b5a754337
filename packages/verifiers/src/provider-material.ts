import { PROVIDERS, providerFor } from './catalogue.js';
import type { SampleRequest } from './types.js';

/**
 * Every provider's signature and credential header names, for the logger to mask
 * (`createLogger({ redactKeys: REDACTED_HEADERS })`): the logger depends on no provider.
 */
export const REDACTED_HEADERS: readonly string[] = [
  ...new Set(PROVIDERS.flatMap((provider) => provider.redactHeaders)),
].sort();

/**
 * A realistic webhook never seen before (fresh ids) of `verifyType`, of `eventType` or the
 * provider's usual one. Throws for a type without a sample: a made-up generic body would not be
 * what that provider sends.
 */
export function sampleRequest(
  verifyType: string,
  eventType?: string,
  now = new Date(),
): SampleRequest {
  const { sample } = providerFor(verifyType);
  if (!sample) throw new Error(`verify type "${verifyType}" has no sample webhook`);
  return sample.build(eventType ?? sample.eventType, now);
}

/**
 * The event types `verifyType`'s sample has a payload of its own for, its default first; empty when
 * its provider's webhooks name no event type. Another type gets the default payload, relabelled.
 */
export function sampleEventTypes(verifyType: string): readonly string[] {
  const { sample } = providerFor(verifyType);
  if (sample?.eventType === undefined) return [];
  const others = (sample.eventTypes ?? []).filter((type) => type !== sample.eventType);
  return [sample.eventType, ...others];
}
