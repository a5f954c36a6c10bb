/**
 * Where the monitor's lines go: a live screen redrawn in place with ANSI escapes, or plain lines
 * for a log or a pipe.
 */

import { renderScreen, statusLine, clock } from './draw.js';
import type { MonitorState } from './state.js';

/** Redraws of the live screen per second, at most. */
export const REDRAW_HZ = 10;
/** The plain view prints a status line at most this often. */
const PLAIN_STATUS_INTERVAL_MS = 1000;

const HIDE_CURSOR = '\x1b[?25l';
export const SHOW_CURSOR = '\x1b[?25h';

export interface MonitorView {
  /** Something changed; the view redraws when it likes. */
  changed(state: MonitorState): void;
  /** A one-off event (detection, reconnect) for the plain view's lines. */
  event(state: MonitorState, line: string): void;
  close(state: MonitorState): void;
}

/** Redraws the screen in place, at most REDRAW_HZ times a second. */
export function terminalView(out: NodeJS.WriteStream = process.stdout): MonitorView {
  let drawnLines = 0;
  let dirty = false;
  let latest: MonitorState | undefined;
  const draw = (): void => {
    if (!latest || !dirty) return;
    dirty = false;
    // Never taller than the terminal: the cursor cannot move back above its top line.
    const lines = renderScreen(latest, out.columns ?? 80).slice(0, Math.max(1, (out.rows ?? 50) - 1));
    // Back to the first line drawn, rewrite each line, clear what is left below.
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : '';
    out.write(`${up}${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
    drawnLines = lines.length;
  };
  out.write(HIDE_CURSOR);
  const timer = setInterval(draw, 1000 / REDRAW_HZ);
  const update = (state: MonitorState): void => {
    latest = state;
    dirty = true;
  };
  return {
    changed: update,
    event: update,
    close(state) {
      clearInterval(timer);
      update(state);
      draw();
      out.write(SHOW_CURSOR);
    },
  };
}

/** Lines for a log or a pipe: a status line per second, one per event. */
export function plainView(out: NodeJS.WritableStream = process.stdout): MonitorView {
  let last = 0;
  return {
    changed(state) {
      const now = performance.now();
      if (now - last < PLAIN_STATUS_INTERVAL_MS) return;
      last = now;
      out.write(statusLine(state, new Date()) + '\n');
    },
    event(_state, line) {
      out.write(`${clock(new Date())}  ${line}\n`);
    },
    close(state) {
      out.write(statusLine(state, new Date()) + '\n');
    },
  };
}
