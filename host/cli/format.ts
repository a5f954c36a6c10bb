/** Plain-text layout helpers for human output (machines get --json). */

export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return cells.map((r) => tableRow(r, widths)).join('\n');
}

/**
 * One row of a table laid out as `table` does, at given column widths (for rows printed as they
 * come, before the widest cell is known): the first column left-aligned, the others right-aligned.
 */
export function tableRow(cells: (string | number)[], widths: readonly number[]): string {
  return cells
    .map(String)
    .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
    .join('  ');
}

export function bytes(n: number): string {
  return `${Math.round(n).toLocaleString('en-US')} B`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Writes one JSON document to stdout: the whole of a command's machine-readable result. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A round-trip time or the like: "-" when there is none. */
export function formatMs(ms: number | null): string {
  return ms === null ? '-' : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}
