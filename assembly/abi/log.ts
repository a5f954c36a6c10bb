// Debug log lines for the board (log import): short ASCII texts, a name from the model and a
// number. A text is a static AssemblyScript string (UTF-16), narrowed byte by byte: nothing is
// allocated.

import { logBytes } from './imports';

const TEXT_CHARS: u32 = 48;
const NAME_BYTES: u32 = 24;
/** Two texts, a name, a space and an i32 in decimal. */
const LINE_BYTES: u32 = 2 * TEXT_CHARS + NAME_BYTES + 12;
const LINE = memory.data(LINE_BYTES);

/** Appends `text` (ASCII, at most TEXT_CHARS characters) at `n`; the new length. */
function putText(n: u32, text: string): u32 {
  const chars = <u32>text.length;
  for (let i: u32 = 0; i < chars && i < TEXT_CHARS; i++) {
    store<u8>(LINE + n++, load<u16>(changetype<usize>(text) + (i << 1)));
  }
  return n;
}

/** Appends a space and `value` in decimal at `n`; the new length. */
function putValue(n: u32, value: i32): u32 {
  store<u8>(LINE + n++, 0x20);
  if (value < 0) store<u8>(LINE + n++, 0x2d);
  let magnitude = value < 0 ? <u32>(0 - value) : <u32>value;
  let digits: u32 = 1;
  for (let rest = magnitude / 10; rest != 0; rest /= 10) digits++;
  n += digits;
  for (let at = n; at > n - digits; at--) {
    store<u8>(LINE + at - 1, 0x30 + (magnitude % 10));
    magnitude /= 10;
  }
  return n;
}

/** Logs "`text` `value`" (value in decimal). */
export function logValue(text: string, value: i32): void {
  logBytes(LINE, putValue(putText(0, text), value));
}

/**
 * Logs "`text``name``after` `value`": `name` is `nameBytes` bytes from the model (a label), cut at
 * NAME_BYTES, each byte outside printable ASCII shown as '?' so a label cannot send controls.
 */
export function logNamed(text: string, name: usize, nameBytes: u32, after: string, value: i32): void {
  let n = putText(0, text);
  for (let i: u32 = 0; i < nameBytes && i < NAME_BYTES; i++) {
    const c = load<u8>(name + i);
    store<u8>(LINE + n++, c >= 0x20 && c < 0x7f ? c : 0x3f);
  }
  logBytes(LINE, putValue(putText(n, after), value));
}
