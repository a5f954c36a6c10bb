/**
 * Where the monitor's lines go: a live screen redrawn in place with ANSI escapes, or plain lines
 * for a log or a pipe.
 */

import { clock, FRESH_DETECTION_MS, renderScreen, statusLine } from './draw.js';
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

/** What the live view draws on: a terminal's size, its output, and its resize event. */
export interface Terminal {
  columns?: number | undefined;
  rows?: number | undefined;
  write(text: string): unknown;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

const REVERSE = (line: string): string => `\x1b[7m${line}\x1b[27m`;
/** Cursor to the top left, clear the screen: a resize re-wraps what was drawn, so it all goes. */
export const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/**
 * Redraws the screen in place, at most REDRAW_HZ times a second, fitted to the terminal's size;
 * after a resize it clears the screen and draws the whole frame again from the top.
 */
export function terminalView(out: Terminal = process.stdout): MonitorView {
  let drawnLines = 0;
  let dirty = false;
  let latest: MonitorState | undefined;
  const draw = (): void => {
    if (!latest || !dirty) return;
    const now = new Date();
    // A highlighted detection fades: keep redrawing until it is no longer fresh.
    const newest = latest.detections[latest.detections.length - 1];
    dirty = newest !== undefined && now.getTime() - newest.at.getTime() < FRESH_DETECTION_MS;
    const lines = renderScreen(
      latest,
      { columns: out.columns ?? 80, rows: out.rows ?? 50 },
      { now, highlight: REVERSE },
    );
    // Back to the first line drawn, rewrite each line, clear what is left below.
    const up = drawnLines > 0 ? `\x1b[${drawnLines}F` : '';
    out.write(`${up}${lines.map((line) => `${line}\x1b[K`).join('\n')}\n\x1b[J`);
    drawnLines = lines.length;
  };
  const onResize = (): void => {
    out.write(CLEAR_SCREEN);
    drawnLines = 0;
    dirty = true;
    draw();
  };
  out.write(HIDE_CURSOR);
  out.on('resize', onResize);
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
      out.off('resize', onResize);
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
