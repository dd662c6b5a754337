/**
 * Parses `t=1700000000,v1=abc,v1=def` (Stripe-style headers, also used by Wave and FedaPay) into
 * the timestamp and every value per scheme. Several values per scheme are how senders rotate keys.
 */
export interface TimestampedSignatures {
  readonly timestamp: number | undefined;
  readonly signatures: ReadonlyMap<string, readonly string[]>;
}

export function parseTimestampedHeader(header: string): TimestampedSignatures {
  let timestamp: number | undefined;
  const signatures = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (/^\d{1,12}$/.test(value)) timestamp = Number(value);
      continue;
    }
    const list = signatures.get(key) ?? [];
    list.push(value);
    signatures.set(key, list);
  }
  return { timestamp, signatures };
}
