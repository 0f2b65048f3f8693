type Paint = (text: string) => string;

/** ANSI colours for the terminal, or plain text when colours are off. */
export interface Style {
  readonly enabled: boolean;
  bold: Paint;
  dim: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
}

const sgr =
  (open: number, close: number): Paint =>
  (text) =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain: Paint = (text) => text;

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { enabled, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

/** Colours only on a terminal, unless --no-color or NO_COLOR (any non-empty value, see no-color.org) says otherwise. */
export function colorsWanted(terminal: boolean, flag: boolean, noColorEnv: string | undefined): boolean {
  return terminal && flag && !noColorEnv;
}
