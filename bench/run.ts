/**
 * `npm run bench`: the .wasm engine in Node against two baselines in the same run, on the KWS shape
 * (64 -> recurrent 128 -> readout 12) and the paper's SHD shape (700 -> recurrent 128 -> recurrent 64
 * -> readout 20), K = 16, about 5% of inputs spiking per step:
 *   - the float per-synapse reference (TypeScript, host/float/reference.ts): the paper's form;
 *   - native C builds of the same integer algorithm (bench/native/engine.c, gcc -O2 and
 *     gcc -O3 -march=native; the ratio is against the faster).
 * Ratios are what to read: speedup = baseline time / .wasm time. Then the deterministic measure:
 * wasm instructions per 10 ms hop (bench/instruction-count.ts) of the shipped gsc12 model on its
 * sample clips, front-end, engine and detection apart. `--json` prints one JSON object.
 */

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_WASM_PATH, openEngine } from '../host/wasm/module.js';
import { estimateCost } from '../host/model/cost.js';
import { writeHsm } from '../host/model/hsm-writer.js';
import { randomNetwork, randomSpikeTrain } from '../host/float/random-network.js';
import { FloatReference } from '../host/float/reference.js';
import { quantize } from '../host/quantize/quantize.js';
import { encodeSpikeBinary } from '../host/spikes/spike-file.js';
import type { LayerKind } from '../host/model/hsm.js';
import { NATIVE_O2, NATIVE_O3_NATIVE, timeNative, type NativeTiming } from './native.js';
import { batchMs, median, ROUNDS, timePasses, warmUp } from './timing.js';
import { benchSerial, type SerialBench } from './serial.js';
import { benchTraining, CLIP_STEPS } from './train.js';
import { benchEpoch } from './train-epoch.js';
import { FNV_OFFSET, fnv1aScores } from './checksum.js';
import { hex32 } from '../host/model/crc32.js';
import { measureHopCost } from './instruction-count.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOP_MODEL = 'models/gsc12-kws.hsm';
const HOP_SAMPLES = 'models/samples/gsc12';

const STEPS = 1000;
const INPUT_RATE = 0.05;
const LEVELS = 16;

interface Shape {
  key: 'kws' | 'shd';
  title: string;
  inputCount: number;
  layers: { kind: LayerKind; size: number }[];
  seed: number;
}

const SHAPES: Shape[] = [
  {
    key: 'kws',
    title: 'KWS 64 -> rec 128 -> 12',
    inputCount: 64,
    layers: [
      { kind: 'recurrent', size: 128 },
      { kind: 'readout', size: 12 },
    ],
    seed: 12,
  },
  {
    key: 'shd',
    title: 'SHD 700 -> rec 128 -> rec 64 -> 20',
    inputCount: 700,
    layers: [
      { kind: 'recurrent', size: 128 },
      { kind: 'recurrent', size: 64 },
      { kind: 'readout', size: 20 },
    ],
    seed: 700,
  },
];

/** CPU time each contender gets per round of the interleaved measurement (bench/timing.ts). */
const ROUND_MS = 200;

interface ShapeResult {
  shape: Shape;
  wasmNsPerStep: number;
  floatNsPerStep: number;
  nativeO2NsPerStep: number;
  nativeO3NsPerStep: number;
  /** The faster native build's time: the baseline the .wasm is compared against. */
  nativeNsPerStep: number;
  nativeMatchesWasm: boolean;
  stateBytesBucketed: number;
  stateBytesPerSynapse: number;
  hiddenRates: number[];
}

function benchShape(shape: Shape, dir: string): ShapeResult {
  const float = randomNetwork({
    seed: shape.seed,
    inputCount: shape.inputCount,
    layers: shape.layers,
    levels: LEVELS,
    inputRate: INPUT_RATE,
  });
  const { hsm } = quantize(float, { levels: LEVELS });
  const bytes = writeHsm(hsm);
  const train = { steps: randomSpikeTrain(shape.seed + 1, shape.inputCount, STEPS, INPUT_RATE) };

  const engine = openEngine();
  const info = engine.loadOrThrow(bytes);
  const cost = estimateCost(info);
  let checksum = FNV_OFFSET;
  const spikeTotals = info.layers.map(() => 0);
  const wasmPass = (): void => {
    engine.reset();
    checksum = FNV_OFFSET;
    spikeTotals.fill(0);
    for (const channels of train.steps) {
      engine.step(channels);
      checksum = fnv1aScores(checksum, engine.scores());
      info.layers.forEach((layer, l) => {
        if (layer.kind !== 'readout') spikeTotals[l] = (spikeTotals[l] ?? 0) + engine.spikeList(l).length;
      });
    }
  };
  // The outputs are read in a separate pass so the timed pass measures stepping alone.
  wasmPass();
  const wasmChecksum = hex32(checksum);
  const hiddenRates = info.layers.flatMap((layer, l) =>
    layer.kind === 'readout' ? [] : [(spikeTotals[l] ?? 0) / (STEPS * layer.neuronCount)],
  );
  const stepping = (): void => {
    engine.reset();
    for (const channels of train.steps) engine.step(channels);
  };

  const reference = new FloatReference(float);
  const floatMs = timePasses(
    () => {
      reference.reset();
      for (const channels of train.steps) reference.step(channels);
    },
    1500,
    2,
  );

  const modelPath = join(dir, `${shape.key}.hsm`);
  const spikesPath = join(dir, `${shape.key}.spk`);
  writeFileSync(modelPath, bytes);
  writeFileSync(spikesPath, encodeSpikeBinary(train, shape.inputCount));
  // The .wasm and both native builds take turns, round after round, so a change of load on the
  // machine meets all three alike; each one's figure is the median of its rounds.
  warmUp(stepping);
  const repeats = Math.max(3, Math.ceil(ROUND_MS / batchMs(stepping, ROUND_MS, 3)));
  const wasm: number[] = [];
  const o2: NativeTiming[] = [];
  const o3: NativeTiming[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    wasm.push(batchMs(stepping, ROUND_MS, 3));
    o2.push(timeNative(modelPath, spikesPath, repeats, NATIVE_O2));
    o3.push(timeNative(modelPath, spikesPath, repeats, NATIVE_O3_NATIVE));
  }
  const nativeO2NsPerStep = median(o2.map((t) => t.nsPerStep));
  const nativeO3NsPerStep = median(o3.map((t) => t.nsPerStep));

  return {
    shape,
    wasmNsPerStep: (median(wasm) * 1e6) / STEPS,
    floatNsPerStep: (floatMs * 1e6) / STEPS,
    nativeO2NsPerStep,
    nativeO3NsPerStep,
    nativeNsPerStep: Math.min(nativeO2NsPerStep, nativeO3NsPerStep),
    nativeMatchesWasm: [...o2, ...o3].every((t) => t.checksum === wasmChecksum),
    stateBytesBucketed: cost.dynamicStateBytes,
    stateBytesPerSynapse: cost.perSynapseStateBytes,
    hiddenRates,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The KWS-shaped bench model and its input, for the serial measurements. */
function kwsModelAndInput(): { bytes: Uint8Array; steps: number[][] } {
  const shape = SHAPES[0];
  const float = randomNetwork({
    seed: shape.seed,
    inputCount: shape.inputCount,
    layers: shape.layers,
    levels: LEVELS,
  });
  return {
    bytes: writeHsm(quantize(float, { levels: LEVELS }).hsm),
    steps: randomSpikeTrain(shape.seed + 1, shape.inputCount, STEPS, INPUT_RATE),
  };
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const dir = mkdtempSync(join(tmpdir(), 'hetsyn-bench-'));
  try {
    const results = SHAPES.map((shape) => {
      process.stderr.write(`bench: ${shape.title} ...\n`);
      return benchShape(shape, dir);
    });
    process.stderr.write('bench: wasm instructions per hop ...\n');
    const hopCost = measureHopCost(readFileSync(join(REPO_ROOT, HOP_MODEL)), join(REPO_ROOT, HOP_SAMPLES));
    process.stderr.write('bench: training step (BPTT) ...\n');
    const training = benchTraining(timePasses, INPUT_RATE);
    process.stderr.write('bench: one training epoch (hetsyn train, 2 workers) ...\n');
    const epoch = benchEpoch(REPO_ROOT, dir);
    process.stderr.write('bench: serial path (hetsyn board on a pty) ...\n');
    const kwsSerial = kwsModelAndInput();
    const serial: SerialBench = await benchSerial(kwsSerial.bytes, kwsSerial.steps);
    const by = (key: Shape['key']): ShapeResult => results.find((r) => r.shape.key === key) as ShapeResult;
    const kws = by('kws');
    const shd = by('shd');
    const summary = {
      wasm_bytes: statSync(DEFAULT_WASM_PATH).size,
      kws_steps_per_s: round(1e9 / kws.wasmNsPerStep, 0),
      shd_steps_per_s: round(1e9 / shd.wasmNsPerStep, 0),
      speedup_vs_float_ref: round(shd.floatNsPerStep / shd.wasmNsPerStep, 2),
      speedup_vs_native_c: round(shd.nativeNsPerStep / shd.wasmNsPerStep, 3),
      speedup_vs_native_c_o2: round(shd.nativeO2NsPerStep / shd.wasmNsPerStep, 3),
      kws_speedup_vs_float_ref: round(kws.floatNsPerStep / kws.wasmNsPerStep, 2),
      kws_speedup_vs_native_c: round(kws.nativeNsPerStep / kws.wasmNsPerStep, 3),
      kws_speedup_vs_native_c_o2: round(kws.nativeO2NsPerStep / kws.wasmNsPerStep, 3),
      shd_us_per_step: {
        wasm: round(shd.wasmNsPerStep / 1000, 2),
        native_o2: round(shd.nativeO2NsPerStep / 1000, 2),
        native_o3_march_native: round(shd.nativeO3NsPerStep / 1000, 2),
      },
      kws_us_per_step: {
        wasm: round(kws.wasmNsPerStep / 1000, 2),
        native_o2: round(kws.nativeO2NsPerStep / 1000, 2),
        native_o3_march_native: round(kws.nativeO3NsPerStep / 1000, 2),
      },
      wasm_instr_per_hop_frontend: round(hopCost.frontendMean, 0),
      wasm_instr_per_hop_engine: round(hopCost.engineMean, 0),
      wasm_instr_per_hop_engine_p99: hopCost.engineP99,
      wasm_instr_per_hop_detect: round(hopCost.detectMean, 0),
      shd_state_bytes_bucketed: shd.stateBytesBucketed,
      shd_state_bytes_per_synapse: shd.stateBytesPerSynapse,
      shd_state_ratio: round(shd.stateBytesPerSynapse / shd.stateBytesBucketed, 1),
      native_c_matches_wasm: kws.nativeMatchesWasm && shd.nativeMatchesWasm,
      flash_payload_efficiency: round(serial.flashPayloadEfficiency, 3),
      flash_kib_per_s_pty: round(serial.flashKibPerS, 1),
      stream_rtt_ms_p50: round(serial.streamRttMsP50, 3),
      stream_rtt_ms_p99: round(serial.streamRttMsP99, 3),
      stream_steps_per_s: round(serial.streamStepsPerS, 0),
      stream_results_lost: serial.streamResultsLost,
      train_bptt_ms_per_clip: round((training.bpttNsPerStep * CLIP_STEPS) / 1e6, 2),
      train_bptt_over_reference_step: round(training.bpttNsPerStep / training.referenceNsPerStep, 2),
      train_forward_over_reference_step: round(training.forwardNsPerStep / training.referenceNsPerStep, 2),
      train_fast_bptt_ms_per_clip: round((training.fastNsPerStep * CLIP_STEPS) / 1e6, 2),
      train_speedup_vs_ts_reference: round(training.fastSpeedup, 2),
      train_epoch_s_gsc12: round(epoch.seconds, 1),
      train_epoch_cpu_s: round(epoch.cpuSeconds, 1),
      train_epoch_data: epoch.data,
      train_epoch_train_clips: epoch.trainClips,
      train_epoch_input_rate: round(epoch.inputRate, 4),
      steps: STEPS,
      input_rate: INPUT_RATE,
      levels: LEVELS,
      kws_hidden_rates: kws.hiddenRates.map((r) => round(r, 4)),
      shd_hidden_rates: shd.hiddenRates.map((r) => round(r, 4)),
    };
    if (json) {
      process.stdout.write(JSON.stringify(summary) + '\n');
      return;
    }
    const us = (ns: number): string => `${(ns / 1000).toFixed(2)} us`.padStart(11);
    const line = (r: ShapeResult): string =>
      [
        r.shape.title.padEnd(36),
        us(r.wasmNsPerStep),
        us(r.floatNsPerStep),
        us(r.nativeO2NsPerStep).padStart(12),
        us(r.nativeO3NsPerStep).padStart(19),
        `${(r.floatNsPerStep / r.wasmNsPerStep).toFixed(1)}x`.padStart(9),
        (r.nativeNsPerStep / r.wasmNsPerStep).toFixed(2).padStart(10),
        r.hiddenRates
          .map((x) => (x * 100).toFixed(1) + '%')
          .join('/')
          .padStart(12),
      ].join('');
    process.stdout.write(
      [
        `hetsyn.wasm ${summary.wasm_bytes} bytes; ${STEPS} steps at ${INPUT_RATE * 100}% input activity, K = ${LEVELS}`,
        `CPU time per step, median of ${ROUNDS} interleaved rounds; "vs native" against the faster native build`,
        '',
        'network                              .wasm/step  float/step  native -O2  -O3 -march=native  vs float  vs native  hidden rate',
        line(kws),
        line(shd),
        '',
        `SHD state: ${shd.stateBytesBucketed} B bucketed vs ${shd.stateBytesPerSynapse} B per-synapse f32 (${summary.shd_state_ratio}x smaller)`,
        `native C and .wasm outputs identical: ${summary.native_c_matches_wasm ? 'yes' : 'NO'}`,
        '',
        `wasm instructions per 10 ms hop (${HOP_MODEL}, ${hopCost.clips} clips of ${HOP_SAMPLES}, ${hopCost.hops} hops):`,
        `  front-end ${summary.wasm_instr_per_hop_frontend} mean; engine ${summary.wasm_instr_per_hop_engine} mean, ` +
          `${summary.wasm_instr_per_hop_engine_p99} p99; detection ${summary.wasm_instr_per_hop_detect} mean`,
        '',
        `training (KWS shape, rho per synapse, one ${CLIP_STEPS}-step clip): BPTT ${summary.train_bptt_ms_per_clip} ms per clip, ` +
          `${summary.train_bptt_over_reference_step}x the float reference's forward step (forward alone ${summary.train_forward_over_reference_step}x)`,
        `  fast BPTT (the trainer's) ${summary.train_fast_bptt_ms_per_clip} ms per clip, ${summary.train_speedup_vs_ts_reference}x the TypeScript BPTT`,
        `  one float epoch (hetsyn train, 2 workers, ${summary.train_epoch_train_clips} ${summary.train_epoch_data} train clips, ` +
          `input rate ${summary.train_epoch_input_rate}): ${summary.train_epoch_s_gsc12} s (${summary.train_epoch_cpu_s} s of CPU)`,
        '',
        `serial (pty, virtual board, KWS model of ${kwsSerial.bytes.length} B):`,
        `  flash: ${summary.flash_kib_per_s_pty} KiB/s, payload efficiency ${summary.flash_payload_efficiency} (model bytes / bytes on the wire)`,
        `  stream: ${summary.stream_steps_per_s} steps/s sustained, ${summary.stream_results_lost} results lost, ` +
          `round trip p50 ${summary.stream_rtt_ms_p50} ms, p99 ${summary.stream_rtt_ms_p99} ms`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
