import {
  providerFor,
  sampleEventTypes,
  sampleRequest as catalogueSample,
  type SampleRequest,
} from '@hookrelay/verifiers';
import { CliError } from './cli-error.js';

export type { SampleRequest };

/**
 * The sample webhook of a `verify.type`, from its provider's definition: realistic and never seen
 * before (fresh event ids, so it is not a duplicate). A type without one is an error, not a generic
 * body its provider would never send.
 */
export function sampleRequest(
  verifyType: string,
  eventType?: string,
  now = new Date(),
): SampleRequest {
  if (!providerFor(verifyType).sample)
    throw new CliError(
      `verify type "${verifyType}" has no built-in sample webhook: send one with --file`,
    );
  return catalogueSample(verifyType, eventType, now);
}

/**
 * What `--event <type>` sends for a `verify.type` (README "CLI"): its provider's payload of that
 * type, or, for a type it has none of, its default payload with only the type label changed, which
 * the note returned says. Refused for a provider whose webhooks name no event type.
 */
export function eventTypeNote(verifyType: string, eventType: string): string | undefined {
  const [usual, ...others] = sampleEventTypes(verifyType);
  const { type } = providerFor(verifyType);
  if (usual === undefined)
    throw new CliError(
      `${type} webhooks name no event type, so --event does not apply: send another body with --file`,
    );
  if (eventType === usual || others.includes(eventType)) return undefined;
  return `no ${type} sample for "${eventType}": sending the ${usual} sample with its event type set to "${eventType}"`;
}
