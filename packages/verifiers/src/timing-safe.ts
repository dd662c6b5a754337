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

/**
 * The expected value that any candidate equals, or undefined. Every pair is compared in constant
 * time, so the time taken says nothing about which one matched. Candidates are the several
 * signatures one header may carry; expected values come from the several secrets of a rotation.
 */
export function matchOf(
  candidates: readonly string[],
  expected: readonly string[],
): string | undefined {
  let match: string | undefined;
  for (const candidate of candidates) {
    for (const value of expected) if (safeEqual(candidate, value)) match ??= value;
  }
  return match;
}

/** True when `candidate` equals any of `expected`, each compared in constant time. */
export function safeEqualAny(candidate: string, expected: readonly string[]): boolean {
  return matchOf([candidate], expected) !== undefined;
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
