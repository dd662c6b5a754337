import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 * 1024,
  gb: 1024 * 1024 * 1024,
};

/** `500ms`, `10s`, `5m`, `1h`, `3d` or a number of milliseconds → milliseconds. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(input);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? 'ms').toLowerCase()]!);
}

/** `512kb`, `1mb`, `1gb` or a number of bytes → bytes. */
export function parseSize(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) && input > 0 ? input : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(input);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]!);
}

/** `value` in the largest unit that divides it; a value no unit divides (0, a fraction) stays a number. */
function inUnits(value: number, units: Record<string, number>): string | number {
  for (const [unit, factor] of Object.entries(units).reverse())
    if (value !== 0 && value % factor === 0) return `${value / factor}${unit}`;
  return value;
}

/** The inverse of `parseDuration`, for printing a config: `800ms`, `30s`, `1d`. */
export const formatDuration = (ms: number): string | number => inUnits(ms, DURATION_UNITS);

/** The inverse of `parseSize`, for printing a config: `2kb`, `1mb`, else a number of bytes. */
export const formatSize = (bytes: number): string | number =>
  inUnits(bytes, { kb: SIZE_UNITS.kb!, mb: SIZE_UNITS.mb! });

export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a duration such as 500ms, 10s, 5m, 1h or 3d',
    });
    return z.NEVER;
  }
  return ms;
});

export const size = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 512kb or 1mb' });
    return z.NEVER;
  }
  return bytes;
});

export const port = z.coerce.number().int().min(0).max(65535);

/** A required secret: an empty string (an unset `${VAR}`) counts as missing. */
export const secret = z
  .string({ error: 'required' })
  .min(1, 'required')
  .refine((value) => value === '' || value.trim() !== '', 'blank: only whitespace');

/** One secret or a list of them (key rotation), always handed on as a list. */
export const secretList = z
  .union([secret, z.array(secret).min(1, 'required')], { error: 'required' })
  .transform((value) => (Array.isArray(value) ? value : [value]));

const LOCATION = /^(body(\.[^.|]+)*|headers\.[^.|]+)$/;

/**
 * `body.a.b` or `headers.x-name`; alternatives joined by `|` must share one root, so "does this need
 * the parsed body" stays a prefix check.
 */
export function isValidLocation(location: string): boolean {
  const alternatives = location.split('|');
  if (!alternatives.every((alternative) => LOCATION.test(alternative))) return false;
  const root = alternatives[0]!.split('.')[0];
  return alternatives.every((alternative) => alternative.split('.')[0] === root);
}

/** Where a request carries a field (event id, type, delivery time): `body.a.b` or `headers.x-name`. */
export const location = z
  .string()
  .refine(isValidLocation, 'expected body.<field> or headers.<name>');

export { NOT_WHSEC, whsecKey, whsecSecret } from './whsec.js';
