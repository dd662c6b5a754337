import { z } from 'zod';
import { parseDuration } from '@hookrelay/units';
import { reject, type Verdict } from './types.js';

export const DEFAULT_TOLERANCE_SECONDS = 300;

/** `tolerance:` in seconds (a number) or as a duration string (`5m`); defaults to 300 s. */
export const tolerance = z
  .union([z.number().nonnegative(), z.string()])
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return DEFAULT_TOLERANCE_SECONDS;
    if (typeof value === 'number') return value;
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected seconds or a duration such as 5m' });
      return z.NEVER;
    }
    return ms / 1000;
  });

/** Rejects a signed timestamp (in seconds) too far in the past or the future; undefined when fine. */
export function checkTolerance(
  timestampSeconds: number,
  nowMs: number,
  toleranceSeconds: number,
): Verdict | undefined {
  if (toleranceSeconds <= 0) return undefined;
  const skew = Math.abs(nowMs / 1000 - timestampSeconds);
  return skew > toleranceSeconds
    ? reject(
        'timestamp_out_of_tolerance',
        `timestamp is ${Math.round(skew)} s away from now (tolerance ${toleranceSeconds} s)`,
      )
    : undefined;
}
