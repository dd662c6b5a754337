import { sensitiveKeys } from '@hookrelay/logger';

/** The logger's secret-looking keys, plus the config's own: a token's `value`, PayPal's `webhookId`. */
const isSecretKey = sensitiveKeys(['value', 'webhookId']);

/** `redis://user:password@host` → `redis://user:<mask>@host`; other text unchanged. */
export function maskUrlPassword(text: string, mask = '••••••'): string {
  return text.replace(/\/\/([^:/@]*):([^@/]+)@/, `//$1:${mask}@`);
}

/** A copy of a config tree with every secret-looking value replaced, for printing. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (isSecretKey(key) && value !== '') return '••••••';
    return maskUrlPassword(value);
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  return value;
}
