import { afterAll, expect } from 'vitest';
import {
  failedChecks,
  formatDetails,
  formatTable,
  type ScenarioOptions,
  type ScenarioRow,
} from '../faults/fault-rig.js';

export type Scenario = (options: ScenarioOptions) => Promise<ScenarioRow>;

/**
 * How a test file runs the short forms of `npm run test:faults` scenarios (tests/faults): each at
 * short scale, its details printed, every check of its row kept, then `alsoExpect`; the table of
 * every row at the end of the file.
 */
export function shortForms(alsoExpect: (row: ScenarioRow) => void = () => undefined) {
  const rows: ScenarioRow[] = [];
  afterAll(() => {
    if (rows.length) console.log(`\n${formatTable(rows)}\n`);
  });
  return async (run: Scenario): Promise<ScenarioRow> => {
    const row = await run({ scale: 'short' });
    rows.push(row);
    console.log(formatDetails(row));
    expect(failedChecks(row)).toEqual([]);
    alsoExpect(row);
    return row;
  };
}
