/** Where commands write: stdout for results, stderr for progress; `json` switches results to JSON. */
export interface Output {
  readonly json: boolean;
  line(text: string): void;
  data(value: unknown): void;
  progress: NodeJS.WriteStream;
}

export function consoleOutput(json: boolean): Output {
  return {
    json,
    line: (text) => void process.stdout.write(`${text}\n`),
    data: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress: process.stderr,
  };
}

/** A plain text table: a header row, then rows, columns padded to their widest cell. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
): string {
  const cells = [
    headers,
    ...rows.map((row) =>
      row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
    ),
  ];
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => row[column]?.length ?? 0)),
  );
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `2026-05-01T10:00:00.000Z` → `2026-05-01 10:00:00Z`, shorter in tables. */
export function shortTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')}Z` : '-';
}
