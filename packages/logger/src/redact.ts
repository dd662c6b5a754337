/**
 * Keys whose values are secrets whatever sent them. Provider header names that say none of these
 * words (`verif-hash`, `x-token`…) come from the verifiers' catalogue through `redactKeys`.
 */
export const SENSITIVE_KEY =
  /secret|password|passwd|token|authorization|cookie|signature|api[-_]?key|hmac/i;

export const REDACTED = '[redacted]';

/** True for a key whose value must not be logged: SENSITIVE_KEY, or one of `names` (any case). */
export type SensitiveKey = (key: string) => boolean;

export function sensitiveKeys(names: readonly string[] = []): SensitiveKey {
  const exact = new Set(names.map((name) => name.toLowerCase()));
  return (key) => SENSITIVE_KEY.test(key) || exact.has(key.toLowerCase());
}

const DEFAULT_SENSITIVE = sensitiveKeys();

/** A copy of `value` with every sensitive key's value replaced; depth-limited. */
export function redact(value: unknown, sensitive = DEFAULT_SENSITIVE, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, sensitive, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = sensitive(key) ? REDACTED : redact(item, sensitive, depth + 1);
  }
  return out;
}
