/** Wraps text in one ANSI style, or leaves it as is when colour is off. */
export type Paint = (text: string) => string;

/** The few styles the CLI uses: outcomes (green, red, yellow) and quieter detail (dim). */
export interface Palette {
  readonly green: Paint;
  readonly red: Paint;
  readonly yellow: Paint;
  readonly dim: Paint;
  readonly bold: Paint;
}

const style =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const plain: Paint = (text) => text;

export const NO_COLOUR: Palette = {
  green: plain,
  red: plain,
  yellow: plain,
  dim: plain,
  bold: plain,
};

const ANSI: Palette = {
  green: style(32, 39),
  red: style(31, 39),
  yellow: style(33, 39),
  dim: style(2, 22),
  bold: style(1, 22),
};

/**
 * ANSI colours for `stream` when it is a terminal that takes them, else none. Node's `hasColors()`
 * reads the conventions: `NO_COLOR` (https://no-color.org), `NODE_DISABLE_COLORS` and `TERM=dumb`
 * turn colour off. Never colours a pipe or a file, so scripts and logs get plain text.
 */
export function paletteFor(stream: NodeJS.WriteStream): Palette {
  return stream.isTTY && stream.hasColors() ? ANSI : NO_COLOUR;
}
