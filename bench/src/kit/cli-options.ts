/** The command-line values shared by `npm run bench` and `npm run bench:scale`. */

/** `--<name>` as a positive number, or `fallback` when not given. */
export function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: a positive number`);
  return value;
}

/** `--<name>` as a comma-separated list of `known` names (all of them when not given). */
export function namesOf<Name extends string>(
  name: string,
  text: string | undefined,
  known: readonly Name[],
): Name[] {
  const names = (text ?? known.join(','))
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of names)
    if (!(known as readonly string[]).includes(item))
      throw new Error(`--${name}: ${item} is not one of ${known.join(', ')}`);
  return names as Name[];
}
