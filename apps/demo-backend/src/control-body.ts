import type { FailureRule } from './failure-rules.js';

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

export type ControlBody = { readonly rules: FailureRule[] } | { readonly problem: string };

/**
 * The rules of a POST /_control body (parsed JSON, or undefined when the request was not JSON),
 * or the first problem with it in one line naming the field and the values it allows.
 */
export function parseControlBody(body: unknown): ControlBody {
  if (body === undefined)
    return { problem: `the body is not JSON: send Content-Type: application/json; ${EXAMPLE}` };
  if (!isObject(body)) return { problem: `the body is not a JSON object; ${EXAMPLE}` };
  for (const key of Object.keys(body)) {
    if (key !== 'rules')
      return { problem: `${key}: unknown field; rules go in "rules", ${EXAMPLE}` };
  }
  if (!Array.isArray(body.rules)) return { problem: `rules: required, a list; ${EXAMPLE}` };
  const rules = body.rules as unknown[];
  for (const [index, rule] of rules.entries()) {
    const problem = ruleProblem(rule, `rules[${index}]`);
    if (problem) return { problem };
  }
  return { rules: rules.map((rule) => ({ ...(rule as FailureRule) })) };
}
