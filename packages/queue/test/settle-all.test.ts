import { describe, expect, it } from 'vitest';
import { settleAll } from '../src/index.js';

describe('settleAll', () => {
  it('waits for every promise when some reject, then rethrows the first rejection', async () => {
    const finished: string[] = [];
    const later = (name: string, ms: number, fail = false) =>
      new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          finished.push(name);
          if (fail) reject(new Error(name));
          else resolve();
        }, ms),
      );
    await expect(
      settleAll([later('slow', 30), later('first', 10, true), later('second', 20, true)]),
    ).rejects.toThrow('first');
    expect(finished.sort()).toEqual(['first', 'second', 'slow']);
  });

  it('resolves when every promise does', async () => {
    await expect(settleAll([Promise.resolve(1), Promise.resolve()])).resolves.toBeUndefined();
  });
});
