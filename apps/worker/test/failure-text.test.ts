import { describe, expect, it } from 'vitest';
import { connectionFailure, humanDuration } from '../src/failure-text.js';

describe('failure wording', () => {
  it('says durations the way people do', () => {
    expect(
      [500, 999, 1_000, 1_500, 2_000, 10_000, 90_000, 120_000, 300_000].map(humanDuration),
    ).toEqual(['500 ms', '999 ms', '1 s', '1.5 s', '2 s', '10 s', '90 s', '2 min', '5 min']);
  });

  it('names the common socket errors, and keeps any other code or message', () => {
    expect(connectionFailure('ENOTFOUND', 'getaddrinfo ENOTFOUND backend')).toBe(
      'host not found (ENOTFOUND)',
    );
    expect(connectionFailure('ERR_SOMETHING', 'x')).toBe('connection error (ERR_SOMETHING)');
    expect(connectionFailure(undefined, 'socket hang up')).toBe('connection error: socket hang up');
  });
});
