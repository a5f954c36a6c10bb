/**
 * Text from a file, made safe to print in a message: control characters (C0, DEL, C1) and the
 * bidirectional overrides become JSON-style escapes (\n, \t, \x1b, \u009b, \u202e), so a crafted
 * file cannot move the cursor, recolour or rewrite the user's terminal. Everything else is kept.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\\]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escape(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with its unsafe characters (and backslashes) escaped. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** `text` escaped and in double quotes (a quote inside escaped too): for ids, tokens, names. */
export function quoted(text: string): string {
  return `"${printable(text).replaceAll('"', '\\"')}"`;
}

/** A model's name made safe to print, or "(unnamed)" when it has none. */
export function printableName(name: string): string {
  return printable(name) || '(unnamed)';
}
