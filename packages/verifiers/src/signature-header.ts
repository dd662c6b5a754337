/**
 * Parses `t=1700000000,v1=abc,v1=def` (Stripe, Wave, FedaPay) into the one timestamp and every value
 * per scheme. Several values per scheme are how senders rotate keys.
 *
 * The grammar is strict because a lax parser is a replay hole: a header with two `t=` let one
 * reader check the tolerance on one timestamp while the HMAC was computed over the other. So the
 * header must start with exactly one `t=<seconds>`, and every part must be `<key>=<value>`.
 */
export interface TimestampedSignatures {
  readonly timestamp: number;
  readonly signatures: ReadonlyMap<string, readonly string[]>;
}

export type ParsedTimestampedHeader =
  | ({ readonly ok: true } & TimestampedSignatures)
  | { readonly ok: false; readonly problem: string };

const KEY = /^[A-Za-z0-9_-]+$/;
const TIMESTAMP = /^\d{1,12}$/;

function invalid(problem: string): ParsedTimestampedHeader {
  return { ok: false, problem };
}

export function parseTimestampedHeader(header: string): ParsedTimestampedHeader {
  const parts = header.split(',').map((part) => part.trim());
  const signatures = new Map<string, string[]>();
  let timestamp: number | undefined;
  for (const [index, part] of parts.entries()) {
    const separator = part.indexOf('=');
    const key = part.slice(0, separator);
    const value = part.slice(separator + 1);
    if (separator <= 0 || !KEY.test(key) || value === '') return invalid('a part is not key=value');
    if (key === 't') {
      if (timestamp !== undefined) return invalid('more than one t= timestamp');
      if (index !== 0) return invalid('t= must come first');
      if (!TIMESTAMP.test(value)) return invalid('t= is not a number of seconds');
      timestamp = Number(value);
      continue;
    }
    const list = signatures.get(key) ?? [];
    list.push(value);
    signatures.set(key, list);
  }
  if (timestamp === undefined) return invalid('no t= timestamp');
  return { ok: true, timestamp, signatures };
}
