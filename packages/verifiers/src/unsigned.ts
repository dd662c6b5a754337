import type { IncomingHttpHeaders } from 'node:http';
import { reject, type Verdict, type Verifier } from './types.js';

/**
 * `signature_missing` when a request carries none of its verifier's signature headers, judged on
 * the headers alone, so the ingress can refuse it before reading (and buffering) its body; undefined
 * when verification must see the body to decide.
 */
export function refuseUnsigned(
  verifier: Verifier,
  headers: IncomingHttpHeaders,
): Verdict | undefined {
  const names = verifier.signatureHeaders;
  if (names.length === 0 || names.some((name) => headers[name] !== undefined)) return undefined;
  return reject('signature_missing', `missing ${names.join(' or ')} header`);
}
