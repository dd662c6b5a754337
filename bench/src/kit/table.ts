/** Plain-text tables for the bench's stdout: a title, a header row, aligned columns. */

export type Cell = string | number | null | undefined;

/** `1234.5` → `1,235`; small numbers keep `digits` decimals; null → `-`. */
export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** The table as text: numbers right-aligned, text left-aligned, a rule under the header. */
export function table(title: string, header: readonly string[], rows: readonly Cell[][]): string {
  const text = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
  );
  const widths = header.map((name, i) =>
    Math.max(name.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const numeric = header.map((_, i) =>
    rows.every((row) => typeof row[i] === 'number' || /^[-\d.,×%]+$/.test(String(row[i] ?? '-'))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] && i > 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    title,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...text.map(line),
    '',
  ].join('\n');
}
