export const SENSITIVE_KEY =
  /secret|password|passwd|token|authorization|cookie|signature|api[-_]?key|^x-hub-signature|hmac|verif-hash|^x-token$/i;

export const REDACTED = '[redacted]';

/** A copy of `value` with every sensitive-looking key's value replaced; depth-limited. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redact(item, depth + 1);
  }
  return out;
}
