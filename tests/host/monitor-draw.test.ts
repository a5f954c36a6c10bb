/**
 * `hetsyn monitor` without a board: its state (host/monitor/state.ts) fed steps by hand, the pure
 * drawing (host/monitor/draw.ts), state in, lines out, and the live view (views.ts) on a fake
 * terminal that resizes.
 */

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import {
  bar,
  clock,
  raster,
  renderScreen,
  scoreShares,
  statusLine,
  summaryLine,
} from '../../host/monitor/draw.js';
import {
  newState,
  rates,
  recordLatency,
  recordStep,
  stepTimes,
  updateLink,
  type MonitorState,
} from '../../host/monitor/state.js';
import { CLEAR_SCREEN, terminalView } from '../../host/monitor/views.js';
import type { Detection } from '../../host/protocol/messages.js';
import type { StreamStep } from '../../host/protocol/stream.js';

const step = (
  t: number,
  decision: number,
  scores: number[],
  spikes?: number[],
  more: { stepUs?: number; detection?: Detection } = {},
): StreamStep => ({
  t,
  lost: false,
  decision,
  stepUs: more.stepUs ?? 100,
  flags: 0,
  scores,
  ...(spikes ? { spikes } : {}),
  ...(more.detection ? { detection: more.detection } : {}),
});

const AT = new Date('2025-01-02T03:04:05.678Z');

/** A monitor that saw three steps of a two-class model, one detection, link counters and latencies. */
function seenState(): MonitorState {
  const state = newState({ port: '/dev/pts/7', labels: ['no', 'yes'], spikeLayer: 0, layerNeurons: 8 });
  state.modelName = 'demo';
  state.status = 'streaming';
  recordStep(state, step(0, -1, [-40, -60], [0, 7], { stepUs: 90 }));
  recordStep(
    state,
    step(1, 1, [-50, -10], [3], { stepUs: 130, detection: { step: 1, label: 1, score: 812 } }),
  );
  recordStep(state, { t: 2, lost: true });
  updateLink(
    state,
    { framesSent: 10, framesRetried: 1, timeouts: 0, resultsLost: 0 },
    { framesSent: 5, framesRetried: 1, timeouts: 2, resultsLost: 1 },
    1000,
  );
  updateLink(
    state,
    { framesSent: 10, framesRetried: 1, timeouts: 0, resultsLost: 0 },
    { framesSent: 15, framesRetried: 1, timeouts: 2, resultsLost: 1 },
    3000,
  );
  for (const ms of [4, 2, 3]) recordLatency(state, ms);
  for (const d of state.detections) d.at = AT;
  return state;
}

const GSC_LABELS = [
  'yes',
  'no',
  'up',
  'down',
  'left',
  'right',
  'on',
  'off',
  'stop',
  'go',
  '_silence_',
  '_unknown_',
];

/**
 * A busy monitor of a 12-class model with a 128-neuron raster and five detections, the last one
 * 0.5 s before `AT` (fresh), the others long ago.
 */
function busyState(): MonitorState {
  const state = newState({
    port: '/dev/pts/7',
    labels: GSC_LABELS,
    spikeLayer: 0,
    layerNeurons: 128,
    timestepUs: 10_000,
    scoreLsb: 2 ** -8,
    rate: 100,
  });
  state.modelName = 'gsc12-kws';
  state.status = 'streaming';
  for (let t = 0; t < 300; t++) {
    const scores = GSC_LABELS.map((_, c) => ((c * 37 + t) % 12) * 40 - 300);
    const detection = t % 60 === 59 ? { step: t, label: (t / 60) | 0, score: 700 + t } : undefined;
    recordStep(
      state,
      step(t, 2, scores, [t % 128, (t * 7) % 128], {
        stepUs: 2000 + (t % 10) * 100,
        ...(detection ? { detection } : {}),
      }),
    );
  }
  state.detections.forEach((d, i) => (d.at = new Date(AT.getTime() - (i === 4 ? 500 : 60_000 * (5 - i)))));
  return state;
}

describe('monitor state', () => {
  test('records steps: scores, raster, step times, the decision; detections are the board events', () => {
    const state = seenState();
    assert.equal(state.globalStep, 3);
    assert.deepEqual(state.lastScores, [-50, -10]);
    assert.equal(state.decision, 1);
    assert.deepEqual(
      state.detections.map((d) => [d.t, d.step, d.label, d.score]),
      [[1, 1, 1, 812]],
    );
    assert.equal(state.detectionCount, 1);
    assert.deepEqual(state.raster, [[0, 7], [3], null]);
    assert.deepEqual(state.stepUs, [90, 130], 'a lost step has no step time');
    assert.deepEqual(stepTimes(state), { meanUs: 110, maxUs: 130, samples: 2 });
    assert.deepEqual(
      [state.link.framesSent, state.link.framesRetried, state.link.timeouts, state.link.resultsLost],
      [25, 2, 2, 1],
    );
  });

  test('a change of decision is no detection; only a step that carries one is', () => {
    const state = newState({ port: 'p' });
    assert.equal(recordStep(state, step(0, -1, [1])), undefined);
    assert.equal(recordStep(state, step(1, 0, [2])), undefined, 'the first decision');
    assert.equal(recordStep(state, step(2, 1, [3])), undefined, 'a new leader');
    assert.equal(state.decision, 1);
    const d = recordStep(state, step(3, 1, [3], undefined, { detection: { step: 2, label: 0, score: 9 } }));
    assert.deepEqual([d?.t, d?.step, d?.label, d?.score], [3, 2, 0, 9]);
    assert.deepEqual(state.raster, [], 'no spike layer, no raster');
    assert.equal(stepTimes(newState({ port: 'p' })), null);
  });

  test('a detection is placed in the input: its board step counts from where the stream began', () => {
    // A reconnect in pass 2 started the board's stream at input step 40; the board counts from 0.
    const state = newState({ port: 'p', labels: ['go'], timestepUs: 10_000 });
    state.pass = 2;
    state.streamStart = 40;
    recordStep(state, step(0, 0, [1], undefined, { detection: { step: 5, label: 0, score: 3 } }));
    assert.deepEqual([state.detections[0]?.inputStep, state.detections[0]?.pass], [45, 2]);
    const lines = renderScreen(state, { columns: 80 }, { now: AT });
    assert.ok(
      lines.some((l) => /^» go \(class 0\) {2}score 3 {2}at 0\.45 s of pass 2 /.test(l)),
      lines.join('\n'),
    );
  });

  test('the layer grows to the highest neuron seen, in eighths, unless the model said its size', () => {
    const guessed = newState({ port: 'p', spikeLayer: 0 });
    assert.equal(guessed.layerNeurons, 8);
    recordStep(guessed, step(0, -1, [0], [12]));
    assert.equal(guessed.layerNeurons, 16);
    const known = newState({ port: 'p', spikeLayer: 0, layerNeurons: 4 });
    recordStep(known, step(0, -1, [0], [12]));
    assert.equal(known.layerNeurons, 4);
  });

  test('rates over the samples: steps and frames per second', () => {
    const state = seenState();
    assert.deepEqual(rates(state), { stepsPerSecond: 0, framesPerSecond: 5 });
    assert.deepEqual(rates(newState({ port: 'p' })), { stepsPerSecond: 0, framesPerSecond: 0 });
  });
});

/** The filled cells of a score row's bar, in eighths. */
function barEighths(line: string): number {
  const eighths: Record<string, number> = { '█': 8, '▏': 1, '▎': 2, '▍': 3, '▌': 4, '▋': 5, '▊': 6, '▉': 7 };
  return Array.from(line).reduce((n, ch) => n + (eighths[ch] ?? 0), 0);
}

describe('monitor drawing', () => {
  test('draws what the board names (its model name, its labels) escaped, never as terminal controls', () => {
    const state = newState({ port: 'p', labels: ['\u001b[2Jno', 'yes'], spikeLayer: 0, layerNeurons: 8 });
    state.modelName = 'demo\u001b]0;x\u0007';
    recordStep(state, step(0, 0, [5, 1], undefined, { detection: { step: 0, label: 0, score: 5 } }));
    const screen = renderScreen(state, { columns: 80 }).join('\n');
    assert.ok(!screen.includes('\u001b') && !screen.includes('\u0007'), 'no raw ESC or BEL on the screen');
    assert.match(screen, /demo\\x1b\]0;x\\x07/);
    assert.match(screen, /\\x1b\[2Jno/);
  });

  test('bars in eighths of a cell, clamped to 0..1', () => {
    assert.equal(bar(0, 4), '    ');
    assert.equal(bar(1, 4), '████');
    assert.equal(bar(0.5, 4), '██  ');
    assert.equal(bar(1 / 16, 2), '▏ ');
    assert.equal(bar(2, 3), '███');
    assert.equal(bar(-1, 3), '   ');
  });

  test('a braille raster: 2 steps per character, 4 neurons per character row, ? for lost steps', () => {
    // Neuron 0 at step 0 is the top-left dot, neuron 3 at step 1 the bottom-right one.
    assert.deepEqual(raster([[0], [3]], 4), [String.fromCharCode(0x2800 + 0x01 + 0x80)]);
    assert.deepEqual(raster([null, null, [], []], 4), ['?⠀']);
    assert.deepEqual(raster([[7], []], 8), ['⠀', '⡀']);
    // 64 neurons in at most 32 dot rows: neurons 0 and 1 share the first dot.
    assert.deepEqual(raster([[1]], 64).length, 8);
    assert.equal(raster([[1]], 64)[0], '⠁');
  });

  test('score shares: the softmax of the scores, in the model units or in their own spread', () => {
    // With the model's LSB (2^-8): scores of 256 and 0 are 1.0 and 0.0 in the float model.
    const shares = scoreShares([256, 0], 2 ** -8);
    assert.ok(Math.abs((shares[0] ?? 0) - Math.E / (Math.E + 1)) < 1e-12);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    // Nearly equal scores have nearly equal bars, however negative (min-max would make one empty).
    const close = scoreShares([-5001, -5000], 2 ** -8);
    assert.ok(Math.abs((close[0] ?? 0) - (close[1] ?? 0)) < 0.01, close.join(' '));
    // Without the LSB the ranking holds and equal scores share alike.
    const free = scoreShares([-40, -60, -10, -60], undefined);
    assert.ok((free[2] ?? 0) > (free[0] ?? 0) && (free[0] ?? 0) > (free[1] ?? 0));
    assert.equal(free[1], free[3]);
    assert.deepEqual(scoreShares([7, 7], undefined), [0.5, 0.5]);
  });

  test('the bars are ordered as the scores are: a higher score, a longer bar', () => {
    const state = busyState();
    const lines = renderScreen(state, { columns: 100 }, { now: AT });
    const scores = state.lastScores ?? [];
    const rows = GSC_LABELS.map((label) =>
      lines.find((l) => l.startsWith(`  ${label.padEnd(9)} `) || l.startsWith(`> ${label.padEnd(9)} `)),
    );
    assert.ok(
      rows.every((r) => r !== undefined),
      'a row per class',
    );
    const byScore = scores.map((score, c) => ({ score, cells: barEighths(rows[c] ?? '') }));
    for (const a of byScore)
      for (const b of byScore) if (a.score > b.score) assert.ok(a.cells >= b.cells, JSON.stringify([a, b]));
    const top = byScore.reduce((a, b) => (b.score > a.score ? b : a));
    const low = byScore.reduce((a, b) => (b.score < a.score ? b : a));
    assert.ok(top.cells > low.cells);
  });

  test('the screen: header, raster, decision and bars, detections, step time, link and board lines', () => {
    const state = seenState();
    const lines = renderScreen(state, { columns: 60 }, { now: new Date(AT.getTime() + 10_000) });
    const shares = scoreShares([-50, -10], undefined);
    assert.deepEqual(lines, [
      'hetsyn monitor  /dev/pts/7  demo  streaming',
      'step 3  0 steps/s (full speed)  5.0 frames/s',
      '',
      'spikes of layer 0 (8 neurons, last 3 steps, 2 steps per col…',
      // Neurons 0 and 3 in the first row (steps 0 and 1), neuron 7 in the second; the lost step 2
      // alone leaves its column blank.
      `│${String.fromCharCode(0x2800 + 0x01 + 0x80)}⠀`,
      `│${String.fromCharCode(0x2800 + 0x40)}⠀`,
      '',
      'decision yes (class 1) at step 2 (bars: softmax)',
      `  no  ${bar(shares[0] ?? 0, 44)}  ${Math.round((shares[0] ?? 0) * 100)}% -50`,
      `> yes ${bar(shares[1] ?? 0, 44)}  ${Math.round((shares[1] ?? 0) * 100)}% -10`,
      '',
      "detections (the board's, newest first)",
      '  yes (class 1)  score 812  step 1  03:04:05.678',
      '',
      'link   lost 1 resent 2 t/o 2 rtt 3.00 ms reconn 0',
      'board  step 110 us mean, 130 us max (last 2 steps)',
      'board  counters -',
      'Ctrl-C stops',
    ]);
    assert.ok(lines.every((line) => Array.from(line).length <= 60));
  });

  test('detections newest first, with their time in the stream; a fresh one is marked and highlighted', () => {
    const lines = renderScreen(busyState(), { columns: 80 }, { now: AT, highlight: (l) => `[${l}]` });
    const first = lines.indexOf("detections (the board's, newest first)");
    assert.deepEqual(lines.slice(first + 1, first + 6), [
      '[» left (class 4)  score 999  at 2.99 s  03:04:05.178]',
      '  down (class 3)  score 939  at 2.39 s  03:02:05.678',
      '  up (class 2)    score 879  at 1.79 s  03:01:05.678',
      '  no (class 1)    score 819  at 1.19 s  03:00:05.678',
      '  yes (class 0)   score 759  at 0.59 s  02:59:05.678',
    ]);
    const later = renderScreen(busyState(), { columns: 80 }, { now: new Date(AT.getTime() + 5000) });
    assert.ok(
      later.some((l) => l.startsWith('  left (class 4)')),
      'no longer fresh',
    );
  });

  for (const [columns, rows] of [
    [60, 20],
    [80, 24],
  ] as const) {
    test(`at ${columns}x${rows} the decision, the detections and the link line stay, within the terminal`, () => {
      const lines = renderScreen(busyState(), { columns, rows }, { now: AT });
      assert.ok(lines.length <= rows - 1, `${lines.length} lines:\n${lines.join('\n')}`);
      assert.ok(lines.every((line) => Array.from(line).length <= columns));
      const has = (re: RegExp): boolean => lines.some((l) => re.test(l));
      assert.ok(has(/^hetsyn monitor /), 'header');
      assert.ok(has(/^decision up \(class 2\) at step 299/), 'decision');
      assert.ok(has(/^detections /), 'detections heading');
      assert.ok(has(/^» left \(class 4\)\s+score 999\s+at 2\.99 s/), 'the newest detection');
      assert.ok(has(/^link {3}lost 0/), 'link');
      assert.ok(has(/^board {2}step 2,450 us mean, 2,900 us max/), 'the board step time');
      assert.ok(
        lines.filter((l) => /^[> ] \S+\s+[█▏▎▍▌▋▊▉ ]+\s+\d+% /.test(l)).length >= 3,
        'the leading score bars',
      );
      assert.ok(has(/^> up /), "the decided class's bar");
    });
  }

  test('on a tall terminal everything is there; a short one bins the raster into fewer rows', () => {
    const tall = renderScreen(busyState(), { columns: 80, rows: 60 }, { now: AT });
    assert.equal(tall.filter((l) => l.startsWith('│')).length, 8, '128 neurons in 32 dot rows: 8 rows');
    assert.equal(tall.filter((l) => /^[> ] \S+\s+[█▏▎▍▌▋▊▉ ]+\s+\d+% /.test(l)).length, 12);
    assert.equal(tall[tall.length - 1], 'Ctrl-C stops');
    const short = renderScreen(busyState(), { columns: 80, rows: 26 }, { now: AT });
    const rasterRows = short.filter((l) => l.startsWith('│')).length;
    assert.ok(rasterRows >= 1 && rasterRows < 8, `${rasterRows} raster rows`);
  });

  test('the screen before anything arrived, and without a spike layer', () => {
    const lines = renderScreen(newState({ port: 'p' }), { columns: 200 });
    assert.equal(lines[3], 'spikes: none reported (pass --spike-layer N for a raster)');
    assert.equal(lines[5], 'decision none; scores -');
    assert.equal(lines[8], '  -');
    assert.equal(
      lines[10],
      'link   0 frames, 0 resent, 0 timeouts, 0 results lost, rtt p50 - p99 -, 0 reconnects',
    );
    assert.equal(lines[11], 'board  step -');
    // Never narrower than 40 columns.
    const narrow = renderScreen(newState({ port: 'p' }), { columns: 10 });
    assert.ok(narrow.every((l) => l.length <= 40) && narrow.some((l) => l.length === 40));
  });

  test('the board line shows its counters', () => {
    const state = newState({ port: 'p' });
    state.board = {
      framesOk: 1234,
      badFrames: 1,
      overruns: 2,
      unknownTypes: 3,
      badRequests: 4,
      resultsDropped: 5,
    };
    assert.ok(
      renderScreen(state, { columns: 200 }).includes(
        'board  frames ok 1,234, bad frames 1, overruns 2, results dropped 5, bad requests 4, unknown types 3',
      ),
    );
  });

  test('the plain status line and the summary at the end', () => {
    const state = seenState();
    assert.equal(clock(AT), '03:04:05.678');
    assert.equal(
      statusLine(state, AT),
      '03:04:05.678  streaming  step 3  decision yes (class 1)  0 steps/s  5.0 frames/s  lost 1  ' +
        'retried 2  p50 3.00 ms  p99 4.00 ms  board step 110 us mean, 130 us max',
    );
    assert.equal(
      summaryLine(state),
      '3 steps, decision yes (class 1), 1 detections, board step 110 us mean, 130 us max, 1 results lost, ' +
        '2 frames retried, 0 reconnects, round trip p50 3.00 ms, p99 4.00 ms',
    );
  });
});

/** A terminal that records what is written and can be resized. */
class FakeTerminal extends EventEmitter {
  written = '';
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(text: string): boolean {
    this.written += text;
    return true;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

describe('the live view', () => {
  test('after a resize it clears the screen and draws the whole frame again, fitted to the new size', () => {
    const terminal = new FakeTerminal(120, 50);
    const view = terminalView(terminal);
    const state = busyState();
    view.changed(state);
    terminal.resize(60, 20);
    const afterResize = terminal.written.slice(terminal.written.lastIndexOf(CLEAR_SCREEN));
    assert.ok(afterResize.startsWith(CLEAR_SCREEN), 'the screen is cleared');
    const frame = afterResize.slice(CLEAR_SCREEN.length);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/\x1b\[\d+F/.test(frame), 'drawn from the top, not by moving up over the old lines');
    // eslint-disable-next-line no-control-regex
    const lines = frame.split('\n').map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
    const drawn = lines.filter((l) => l !== '');
    assert.ok(drawn.length <= 19, `${drawn.length} lines`);
    assert.ok(drawn.every((l) => Array.from(l).length <= 60));
    assert.ok(drawn.some((l) => l.startsWith('decision ')));
    assert.ok(drawn.some((l) => l.startsWith('link ')));
    // The next redraw moves up over exactly the lines of this frame.
    const drawnCount = frame.split('\n').length - 1;
    const before = terminal.written.length;
    state.status = 'stopped';
    view.close(state);
    assert.ok(terminal.written.slice(before).startsWith(`\x1b[${drawnCount}F`));
    assert.equal(terminal.listenerCount('resize'), 0, 'close stops listening');
  });
});
