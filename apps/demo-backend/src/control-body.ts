import type { FailureRule } from './failure-rules.js';
import { OUTAGE_STATUS, perMs, type Outage, type Tolerate } from './protection.js';

const EXAMPLE = 'e.g. {"rules":[{"status":500,"times":2}]}; {"rules":[]} answers 200 again';

const isInteger = (value: unknown, min: number, max: number): boolean =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

/** Each field a rule may have and the values it allows (setTimeout's own limit caps delayMs). */
const FIELDS: Record<keyof FailureRule, { allowed: string; check: (value: unknown) => boolean }> = {
  path: {
    allowed: 'a path starting with /',
    check: (value) => typeof value === 'string' && value.startsWith('/'),
  },
  status: { allowed: 'an integer from 200 to 599', check: (value) => isInteger(value, 200, 599) },
  retryAfter: {
    allowed: 'a string of seconds or an HTTP date, e.g. "5"',
    check: (value) => typeof value === 'string' && /^[\x20-\x7e]+$/.test(value),
  },
  hang: { allowed: 'true or false', check: (value) => typeof value === 'boolean' },
  delayMs: {
    allowed: 'an integer from 0 to 2147483647',
    check: (value) => isInteger(value, 0, 2_147_483_647),
  },
  times: {
    allowed: 'an integer from 1 up',
    check: (value) => isInteger(value, 1, Number.MAX_SAFE_INTEGER),
  },
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function ruleProblem(rule: unknown, at: string): string | undefined {
  if (!isObject(rule)) return `${at}: ${shown(rule)} is not an object; ${EXAMPLE}`;
  for (const [key, value] of Object.entries(rule)) {
    const field = Object.hasOwn(FIELDS, key) ? FIELDS[key as keyof FailureRule] : undefined;
    if (!field) return `${at}.${key}: unknown field; a rule has ${Object.keys(FIELDS).join(', ')}`;
    if (!field.check(value)) return `${at}.${key}: ${shown(value)} is not ${field.allowed}`;
  }
  return undefined;
}

const TOLERATE_EXAMPLE = 'e.g. {"tolerate":{"max":50,"per":"1s"}}; {"tolerate":null} lifts it';
const OUTAGE_EXAMPLE =
  'e.g. {"outage":true} (503), {"outage":{"status":500,"retryAfter":"30"}}, {"outage":false}';

function toleratePart(value: unknown): { tolerate: Tolerate | null } | { problem: string } {
  if (value === null) return { tolerate: null };
  if (!isObject(value))
    return { problem: `tolerate: ${shown(value)} is not an object or null; ${TOLERATE_EXAMPLE}` };
  for (const key of Object.keys(value)) {
    if (key !== 'max' && key !== 'per')
      return { problem: `tolerate.${key}: unknown field; tolerate has max, per` };
  }
  if (!isInteger(value.max, 1, 1_000_000))
    return {
      problem: `tolerate.max: ${value.max === undefined ? 'required,' : `${shown(value.max)} is not`} an integer from 1 to 1000000; ${TOLERATE_EXAMPLE}`,
    };
  const per = value.per === undefined ? '1s' : value.per;
  if (typeof per !== 'string' || perMs(per) === undefined)
    return {
      problem: `tolerate.per: ${shown(per)} is not a duration from 1ms to 1h such as "500ms", "1s", "1m"`,
    };
  return { tolerate: { max: value.max as number, per } };
}

function outagePart(value: unknown): { outage: Outage | false } | { problem: string } {
  if (value === false) return { outage: false };
  if (value === true) return { outage: { status: OUTAGE_STATUS } };
  if (!isObject(value))
    return {
      problem: `outage: ${shown(value)} is not true, false or an object; ${OUTAGE_EXAMPLE}`,
    };
  for (const key of Object.keys(value)) {
    if (key !== 'status' && key !== 'retryAfter')
      return { problem: `outage.${key}: unknown field; outage has status, retryAfter` };
  }
  const status = value.status ?? OUTAGE_STATUS;
  if (!isInteger(status, 500, 599))
    return { problem: `outage.status: ${shown(status)} is not an integer from 500 to 599` };
  if (value.retryAfter !== undefined && !FIELDS.retryAfter.check(value.retryAfter))
    return {
      problem: `outage.retryAfter: ${shown(value.retryAfter)} is not ${FIELDS.retryAfter.allowed}`,
    };
  const retryAfter = value.retryAfter as string | undefined;
  const outage = { status: status as number };
  return { outage: retryAfter === undefined ? outage : { ...outage, retryAfter } };
}

/** What a valid body changes; a field it leaves out stays as it was. */
export interface ControlChange {
  readonly rules?: FailureRule[];
  /** null lifts the tolerated rate. */
  readonly tolerate?: Tolerate | null;
  /** false ends the outage. */
  readonly outage?: Outage | false;
}

export type ControlBody = ControlChange | { readonly problem: string };

const CONTROL_FIELDS = ['rules', 'tolerate', 'outage'];

/**
 * What a POST /_control body sets (parsed JSON, or undefined when the request was not JSON) — its
 * `rules`, `tolerate` and `outage`, each replacing the one in force — or the first problem with it
 * in one line naming the field and the values it allows.
 */
export function parseControlBody(body: unknown): ControlBody {
  if (body === undefined)
    return { problem: `the body is not JSON: send Content-Type: application/json; ${EXAMPLE}` };
  if (!isObject(body)) return { problem: `the body is not a JSON object; ${EXAMPLE}` };
  for (const key of Object.keys(body)) {
    if (!CONTROL_FIELDS.includes(key))
      return {
        problem: `${key}: unknown field; rules go in "rules" (the other fields are "tolerate" and "outage"), ${EXAMPLE}`,
      };
  }
  if (Object.keys(body).length === 0)
    return { problem: `nothing to set: give rules, tolerate or outage; ${EXAMPLE}` };
  const change: { -readonly [K in keyof ControlChange]: ControlChange[K] } = {};
  if (Object.hasOwn(body, 'rules')) {
    if (!Array.isArray(body.rules)) return { problem: `rules: not a list; ${EXAMPLE}` };
    const rules = body.rules as unknown[];
    for (const [index, rule] of rules.entries()) {
      const problem = ruleProblem(rule, `rules[${index}]`);
      if (problem) return { problem };
    }
    change.rules = rules.map((rule) => ({ ...(rule as FailureRule) }));
  }
  if (Object.hasOwn(body, 'tolerate')) {
    const part = toleratePart(body.tolerate);
    if ('problem' in part) return part;
    change.tolerate = part.tolerate;
  }
  if (Object.hasOwn(body, 'outage')) {
    const part = outagePart(body.outage);
    if ('problem' in part) return part;
    change.outage = part.outage;
  }
  return change;
}
