/** Writes one progress line to stderr, leaving stdout to the JSON summary. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}
