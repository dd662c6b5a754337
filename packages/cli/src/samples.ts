import {
  providerFor,
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
