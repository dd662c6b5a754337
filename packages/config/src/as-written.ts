import type { z } from 'zod';
import {
  duration,
  formatDuration,
  formatSize,
  parseDuration,
  parseSize,
  size,
} from '@hookrelay/units';

type Schema = z.core.$ZodType;
type Def = {
  readonly type: string;
  readonly innerType?: Schema;
  readonly defaultValue?: unknown;
  readonly in?: Schema;
  readonly shape?: Record<string, Schema>;
  readonly valueType?: Schema;
  readonly element?: Schema;
  readonly coerce?: boolean;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isEmpty = (value: unknown) => isRecord(value) && Object.keys(value).length === 0;

/**
 * `value` (valid for `schema`) in the file's own shape and key names, with every default `schema`
 * applies written out: durations and sizes in units (`800ms`, `1mb`), numbers given as text
 * (`${PORT:-3000}`) as numbers, anything else (a `verify:` block, a destination's headers) as
 * written. Read again, it resolves to the same config: `hookrelay config check` prints it.
 */
export function asWritten(schema: Schema, value: unknown): unknown {
  if (schema === duration && value !== undefined)
    return formatDuration(parseDuration(value as string | number)!);
  if (schema === size && value !== undefined)
    return formatSize(parseSize(value as string | number)!);
  const def = schema._zod.def as Def;
  switch (def.type) {
    case 'default':
    case 'prefault':
      return asWritten(def.innerType!, value === undefined ? def.defaultValue : value);
    case 'optional':
      return value === undefined ? undefined : asWritten(def.innerType!, value);
    case 'pipe':
      return asWritten(def.in!, value);
    case 'object': {
      if (!isRecord(value)) return value;
      // In the schema's order; keys it does not declare (a `verify:` block's own) after, as written.
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(def.shape!)) {
        const item = asWritten(field, value[key]);
        // A default that says nothing (`event: {}`) is left out, as the user left it out.
        if (item !== undefined && !(value[key] === undefined && isEmpty(item))) out[key] = item;
      }
      const undeclared = Object.entries(value).filter(([key]) => !Object.hasOwn(def.shape!, key));
      return { ...out, ...Object.fromEntries(undeclared) };
    }
    case 'record':
      return isRecord(value)
        ? Object.fromEntries(
            Object.entries(value).map(([key, item]) => [key, asWritten(def.valueType!, item)]),
          )
        : value;
    case 'array':
      return Array.isArray(value) ? value.map((item) => asWritten(def.element!, item)) : value;
    case 'number':
      return def.coerce && typeof value === 'string' ? Number(value) : value;
    default:
      return value;
  }
}
