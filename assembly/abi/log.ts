// Debug log lines for the board (log import): a short ASCII text and a number. The text is a
// static AssemblyScript string (UTF-16), narrowed byte by byte: nothing is allocated.

import { logBytes } from './imports';

const LINE_BYTES: u32 = 64;
const LINE = memory.data(LINE_BYTES);

/** Logs "`text` `value`" (value in decimal). `text` is ASCII and at most 48 characters. */
export function logValue(text: string, value: i32): void {
  const chars = <u32>text.length;
  let n: u32 = 0;
  for (; n < chars && n < 48; n++) store<u8>(LINE + n, load<u16>(changetype<usize>(text) + (n << 1)));
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
  logBytes(LINE, n);
}
