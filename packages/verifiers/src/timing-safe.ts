import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two strings (length differences return false without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/** True when `candidate` equals any of `expected`, each compared in constant time. */
export function safeEqualAny(candidate: string, expected: readonly string[]): boolean {
  let matched = false;
  for (const value of expected) matched = safeEqual(candidate, value) || matched;
  return matched;
}

/** True when any of `candidates` (several signatures in one header) equals any of `expected` (several secrets). */
export function anyEqual(candidates: readonly string[], expected: readonly string[]): boolean {
  let matched = false;
  for (const candidate of candidates) matched = safeEqualAny(candidate, expected) || matched;
  return matched;
}

export function hmac(
  algorithm: string,
  secret: string | Buffer,
  ...parts: (string | Buffer)[]
): Buffer {
  const mac = createHmac(algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
