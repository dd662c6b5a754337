import { describe, expect, it } from 'vitest';
import { formatTable } from '../src/output.js';

describe('formatTable', () => {
  it('pads every column to its widest cell and shows missing values as -', () => {
    expect(
      formatTable(
        ['SOURCE', 'DEAD'],
        [
          ['stripe', 3],
          ['payment-gateway', null],
        ],
      ),
    ).toBe(['SOURCE           DEAD', 'stripe           3', 'payment-gateway  -'].join('\n'));
  });
});
