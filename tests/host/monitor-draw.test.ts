/**
 * `hetsyn monitor` without a board: its state (host/monitor/state.ts) fed steps by hand, and the
 * pure drawing (host/monitor/draw.ts), state in, lines out.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bar, clock, raster, renderScreen, statusLine, summaryLine } from '../../host/monitor/draw.js';
import {
  newState,
  rates,
  recordLatency,
  recordStep,
  updateLink,
  type MonitorState,
} from '../../host/monitor/state.js';
import type { StreamStep } from '../../host/protocol/stream.js';

const step = (t: number, decision: number, scores: number[], spikes?: number[]): StreamStep => ({
  t,
  lost: false,
  decision,
  stepUs: 100,
  flags: 0,
  scores,
  ...(spikes ? { spikes } : {}),
});

/** A monitor that saw three steps of a two-class model, one detection, link counters and latencies. */
function seenState(): MonitorState {
  const state = newState('/dev/pts/7', ['no', 'yes'], 0, 8);
  state.modelName = 'demo';
  state.status = 'streaming';
  recordStep(state, step(0, -1, [-40, -60], [0, 7]));
  recordStep(state, step(1, 1, [-50, -10], [3]));
  recordStep(state, { t: 2, lost: true });
  updateLink(
    state,
    { framesSent: 10, framesRetried: 1, timeouts: 0, resultsLost: 0 },
    {
      framesSent: 5,
      framesRetried: 1,
      timeouts: 2,
      resultsLost: 1,
    },
    1000,
  );
  updateLink(
    state,
    { framesSent: 10, framesRetried: 1, timeouts: 0, resultsLost: 0 },
    {
      framesSent: 15,
      framesRetried: 1,
      timeouts: 2,
      resultsLost: 1,
    },
    3000,
  );
  for (const ms of [4, 2, 3]) recordLatency(state, ms);
  state.detections[0] = {
    ...state.detections[0],
    at: new Date('2025-01-02T03:04:05.678Z'),
  };
  return state;
}

describe('monitor state', () => {
  test('records steps: scores, raster, detections when the decision changes, lost steps', () => {
    const state = seenState();
    assert.equal(state.globalStep, 3);
    assert.deepEqual(state.lastScores, [-50, -10]);
    assert.equal(state.decision, 1);
    assert.deepEqual(
      state.detections.map((d) => [d.t, d.decision]),
      [[1, 1]],
    );
    assert.deepEqual(state.raster, [[0, 7], [3], null]);
    assert.deepEqual(
      [state.link.framesSent, state.link.framesRetried, state.link.timeouts, state.link.resultsLost],
      [25, 2, 2, 1],
    );
  });

  test('a step with no decision change is no detection; the first decision is one', () => {
    const state = newState('p', undefined, undefined, undefined);
    assert.equal(recordStep(state, step(0, -1, [1])), undefined);
    assert.deepEqual(recordStep(state, step(1, 0, [2]))?.t, 1);
    assert.equal(recordStep(state, step(2, 0, [3])), undefined);
    assert.deepEqual(state.raster, [], 'no spike layer, no raster');
  });

  test('the layer grows to the highest neuron seen, in eighths, unless the model said its size', () => {
    const guessed = newState('p', undefined, 0, undefined);
    assert.equal(guessed.layerNeurons, 8);
    recordStep(guessed, step(0, -1, [0], [12]));
    assert.equal(guessed.layerNeurons, 16);
    const known = newState('p', undefined, 0, 4);
    recordStep(known, step(0, -1, [0], [12]));
    assert.equal(known.layerNeurons, 4);
  });

  test('rates over the samples: steps and frames per second', () => {
    const state = seenState();
    assert.deepEqual(rates(state), { stepsPerSecond: 0, framesPerSecond: 5 });
    assert.deepEqual(rates(newState('p', undefined, undefined, undefined)), {
      stepsPerSecond: 0,
      framesPerSecond: 0,
    });
  });
});

describe('monitor drawing', () => {
  test('draws what the board names (its model name, its labels) escaped, never as terminal controls', () => {
    const state = newState('p', ['\u001b[2Jno', 'yes'], 0, 8);
    state.modelName = 'demo\u001b]0;x\u0007';
    recordStep(state, step(0, 0, [5, 1]));
    const screen = renderScreen(state, 80).join('\n');
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

  test('the screen: header, raster, score bars, detections, link and board lines, at the width', () => {
    const state = seenState();
    const lines = renderScreen(state, 60);
    assert.deepEqual(lines.slice(0, 6), [
      'hetsyn monitor  /dev/pts/7  demo  streaming  step 3  0 step…',
      '',
      'spikes of layer 0 (8 neurons, last 3 steps, 2 steps per col…',
      // Neurons 0 and 3 in the first row (steps 0 and 1), neuron 7 in the second; the lost step 2
      // alone leaves its column blank.
      `│${String.fromCharCode(0x2800 + 0x01 + 0x80)}⠀`,
      `│${String.fromCharCode(0x2800 + 0x40)}⠀`,
      '',
    ]);
    assert.deepEqual(lines.slice(6, 9), [
      'scores at step 2, decision yes (class 1)',
      // Bars span the scores' range: the lowest empty, the highest full.
      `  no  ${bar(0, 46)} -50`,
      `> yes ${bar(1, 46)} -10`,
    ]);
    assert.deepEqual(lines.slice(9), [
      '',
      'detections (decision changes)',
      '  03:04:05.678  step       1  yes (class 1)',
      '',
      'link   25 frames, 2 resent, 2 timeouts, 1 results lost, rtt…',
      'board  -',
      'Ctrl-C stops',
    ]);
    assert.ok(lines.every((line) => Array.from(line).length <= 60));
  });

  test('the screen before anything arrived, and without a spike layer', () => {
    const lines = renderScreen(newState('p', undefined, undefined, undefined), 200);
    assert.equal(lines[2], 'spikes: none reported (pass --spike-layer N for a raster)');
    assert.equal(lines[4], 'scores: -');
    assert.equal(lines[7], '  -');
    assert.equal(
      lines[9],
      'link   0 frames, 0 resent, 0 timeouts, 0 results lost, rtt p50 - p99 -, 0 reconnects',
    );
    assert.equal(renderScreen(newState('p', undefined, undefined, undefined), 10)[0]?.length, 40);
  });

  test('the board line shows its counters', () => {
    const state = newState('p', undefined, undefined, undefined);
    state.board = {
      framesOk: 1234,
      badFrames: 1,
      overruns: 2,
      unknownTypes: 3,
      badRequests: 4,
      resultsDropped: 5,
    };
    assert.ok(
      renderScreen(state, 200).includes(
        'board  frames ok 1,234, bad frames 1, overruns 2, results dropped 5, bad requests 4, unknown types 3',
      ),
    );
  });

  test('the plain status line and the summary at the end', () => {
    const state = seenState();
    assert.equal(clock(new Date('2025-01-02T03:04:05.678Z')), '03:04:05.678');
    assert.equal(
      statusLine(state, new Date('2025-01-02T03:04:05.678Z')),
      '03:04:05.678  streaming  step 3  decision yes (class 1)  0 steps/s  5.0 frames/s  lost 1  ' +
        'retried 2  p50 3.00 ms  p99 4.00 ms',
    );
    assert.equal(
      summaryLine(state),
      '3 steps, decision yes (class 1), 1 results lost, 2 frames retried, 0 reconnects, ' +
        'round trip p50 3.00 ms, p99 4.00 ms',
    );
  });
});
