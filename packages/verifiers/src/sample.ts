import { randomBytes, randomInt } from 'node:crypto';
import type { ProviderSample, SampleRequest, TestConfig } from './types.js';

/** Random hex of `bytes` bytes: the fresh ids that keep two samples from being duplicates. */
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A random number of `digits` digits, for providers whose ids are numbers. */
export const freshNumber = (digits: number): number => randomInt(10 ** (digits - 1), 10 ** digits);

export const unixSeconds = (now: Date): number => Math.floor(now.getTime() / 1000);

export function jsonSample(value: unknown, headers: Record<string, string> = {}): SampleRequest {
  return {
    body: Buffer.from(JSON.stringify(value, null, 2)),
    contentType: 'application/json',
    headers,
  };
}

export function formSample(
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): SampleRequest {
  return {
    body: Buffer.from(new URLSearchParams(fields).toString()),
    contentType: 'application/x-www-form-urlencoded',
    headers,
  };
}

/** The payload maker of `type`, else of `fallback`: another type changes only the label (README "CLI"). */
export function makerOf<T>(makers: Readonly<Record<string, T>>, type: string, fallback: string): T {
  return (Object.hasOwn(makers, type) ? makers[type] : makers[fallback])!;
}

/** The test config of a provider keyed with a `secret` list: `{ type, secret: [...] }`. */
export function secretTestConfig(
  type: string,
  secrets: readonly [previous: string, current: string],
  wrongSecret: string,
): TestConfig {
  return { secrets, wrongSecret, verify: (list) => ({ type, secret: [...list] }) };
}

/** For `none`, `token`, `basic`, `hmac`: the generic payment notification of the README's `payment` source. */
export const genericSample: ProviderSample = {
  eventType: 'payment.succeeded',
  event: { id: 'body.transaction_id', type: 'body.event' },
  build: (event, now) =>
    jsonSample({
      transaction_id: `TX-${hex(6).toUpperCase()}`,
      event,
      amount: 15000,
      currency: 'XOF',
      created_at: now.toISOString(),
    }),
};
