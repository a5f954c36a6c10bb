/**
 * The studio page's entry (static/index.html loads it as a module): wires the DOM to the engine
 * runs (run.ts), the microphone (mic.ts), the board session (board.ts) and the view (view.ts).
 * For tests and the curious, window.studio holds what the page computed.
 */

import { Engine } from '../wasm/engine.js';
import type { ModelInfo } from '../model/model-info.js';
import { EngineError } from '../model/errors.js';
import { parseWav } from '../audio/wav.js';
import { frontendOf, MicRun, runClip, type StudioStep } from './run.js';
import type { Detection } from '../model/detection.js';
import { startMicrophone, type Microphone } from './mic.js';
import { StudioView } from './view.js';
import { BoardSession, describeBoard, describeFailure } from './board.js';
import { DEFAULT_BAUD_RATE, type SerialPortLike } from './web-serial-transport.js';

/** Steps window.studio keeps of a live input. */
const STEPS_KEPT = 6000;

interface StudioState {
  ready: boolean;
  model: ModelInfo | null;
  /** Where the steps on screen come from. */
  source: 'wav' | 'mic' | 'board' | null;
  steps: StudioStep[];
  decision: number;
  detections: Detection[];
  error: string | null;
}

declare global {
  interface Window {
    studio: StudioState;
  }
}

const studio: StudioState = {
  ready: false,
  model: null,
  source: null,
  steps: [],
  decision: -1,
  detections: [],
  error: null,
};
window.studio = studio;

function element<T extends HTMLElement>(id: string, kind: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`the page has no #${id} of the expected kind`);
  return found;
}

const ui = {
  modelFile: element('model-file', HTMLInputElement),
  modelInfo: element('model-info', HTMLElement),
  wavFile: element('wav-file', HTMLInputElement),
  mic: element('mic', HTMLButtonElement),
  inputInfo: element('input-info', HTMLElement),
  status: element('status', HTMLElement),
  connect: element('connect', HTMLButtonElement),
  baud: element('baud', HTMLInputElement),
  flash: element('flash', HTMLButtonElement),
  monitor: element('monitor', HTMLButtonElement),
  stop: element('stop', HTMLButtonElement),
  progress: element('flash-progress', HTMLProgressElement),
  boardInfo: element('board-info', HTMLElement),
};
const view = new StudioView(
  element('raster', HTMLCanvasElement),
  element('scores', HTMLElement),
  element('decision', HTMLElement),
  element('detections', HTMLOListElement),
);

function say(text: string, isError = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
  studio.error = isError ? text : null;
}

const wasm = await WebAssembly.compileStreaming(fetch('/build/hetsyn.wasm'));
let loaded: { engine: Engine; info: ModelInfo; bytes: Uint8Array; name: string } | undefined;
/** The last clip, for streaming through a board: its samples, and its spike steps for the raster. */
let clip: { name: string; steps: (readonly number[])[]; samples: Int16Array } | undefined;
let microphone: Microphone | undefined;

/** A new input on screen. */
function begin(source: StudioState['source']): void {
  studio.source = source;
  studio.steps = [];
  studio.decision = -1;
  studio.detections = [];
  view.clear();
}

function addDetection(detection: Detection): void {
  studio.detections.push(detection);
  view.addDetection(detection);
}

/** Steps of the current input, as they come. */
function feed(steps: StudioStep[]): void {
  if (steps.length === 0) return;
  view.addSteps(steps);
  for (const { detection } of steps) if (detection) addDetection(detection);
  studio.steps.push(...steps);
  if (studio.steps.length > STEPS_KEPT) studio.steps.splice(0, studio.steps.length - STEPS_KEPT);
  studio.decision = steps[steps.length - 1]?.decision ?? studio.decision;
}

async function openModel(file: File): Promise<void> {
  await stopMicrophone();
  const bytes = new Uint8Array(await file.arrayBuffer());
  const engine = Engine.instantiate(wasm);
  const code = engine.load(bytes);
  if (code !== 0) {
    say(new EngineError(`load model ${file.name}`, code).message, true);
    return;
  }
  const info = engine.info();
  loaded = { engine, info, bytes, name: file.name };
  clip = undefined;
  studio.model = info;
  const fe = info.frontend;
  ui.modelInfo.textContent =
    `${info.name}: ${info.inputCount} inputs, ${info.classCount} classes (${info.labels.join(' ')}), ` +
    `${info.timestepUs / 1000} ms steps, ${bytes.length} B; ` +
    (fe ? `front-end ${fe.sampleRateHz} Hz, ${fe.bands} bands` : 'no front-end (audio input needs one)');
  view.setModel(info.inputCount, info.labels, info.timestepUs / 1000);
  ui.wavFile.disabled = !fe;
  ui.mic.disabled = !fe;
  updateBoardButtons();
  say(`loaded ${file.name}`);
}

async function openClip(file: File): Promise<void> {
  if (!loaded) {
    say('open a model (.hsm) first', true);
    return;
  }
  await stopMicrophone();
  try {
    const audio = parseWav(new Uint8Array(await file.arrayBuffer()), file.name);
    const steps = runClip(loaded.engine, loaded.info, audio, file.name);
    clip = { name: file.name, steps: steps.map((s) => s.input), samples: audio.samples };
    begin('wav');
    feed(steps);
    ui.inputInfo.textContent = `${file.name}: ${audio.samples.length} samples at ${audio.sampleRateHz} Hz, ${steps.length} steps`;
    say(`ran ${file.name} (same engine and code path as hetsyn sim)`);
  } catch (error) {
    say((error as Error).message, true);
  }
  updateBoardButtons();
}

async function stopMicrophone(): Promise<void> {
  const mic = microphone;
  microphone = undefined;
  ui.mic.textContent = 'Microphone';
  if (mic) await mic.stop();
}

async function toggleMicrophone(): Promise<void> {
  if (microphone) {
    await stopMicrophone();
    say('microphone stopped');
    return;
  }
  if (!loaded) {
    say('open a model (.hsm) first', true);
    return;
  }
  try {
    const { engine, info } = loaded;
    const run = new MicRun(engine, info);
    const rate = frontendOf(info).sampleRateHz;
    begin('mic');
    microphone = await startMicrophone(rate, (samples) => feed(run.push(samples)));
    ui.mic.textContent = 'Stop microphone';
    ui.inputInfo.textContent = `microphone: ${microphone.inputRateHz} Hz resampled to ${rate} Hz; one engine, never reset, the detector after every step (the decision is the latest detection)`;
    say('listening');
  } catch (error) {
    say(`microphone: ${(error as Error).message}`, true);
  }
}

// ---------------------------------------------------------------------------------------------
// The board, over Web Serial

interface WebSerial {
  requestPort(): Promise<SerialPortLike>;
}
const serial = (navigator as Navigator & { serial?: WebSerial }).serial;
let board: BoardSession | undefined;
let streaming: AbortController | undefined;

function updateBoardButtons(): void {
  const connected = board !== undefined && !board.closed;
  ui.connect.disabled = !serial;
  ui.connect.textContent = connected ? 'Disconnect' : 'Connect board';
  ui.flash.disabled = !connected || !loaded || streaming !== undefined;
  ui.monitor.disabled = !connected || !clip || streaming !== undefined;
  ui.stop.disabled = streaming === undefined;
}

async function toggleBoard(): Promise<void> {
  if (board && !board.closed) {
    streaming?.abort();
    await board.close();
    board = undefined;
    ui.boardInfo.textContent = 'disconnected';
    updateBoardButtons();
    return;
  }
  if (!serial) return;
  try {
    const port = await serial.requestPort();
    ui.boardInfo.textContent = 'connecting';
    board = await BoardSession.connect(port, Number(ui.baud.value) || DEFAULT_BAUD_RATE);
    board.transport.onClose(() => {
      ui.boardInfo.textContent = `${board?.transport.description ?? 'board'} closed`;
      updateBoardButtons();
    });
    ui.boardInfo.textContent = `${board.transport.description}: ${board.info ? describeBoard(board.info) : ''}`;
  } catch (error) {
    board = undefined;
    ui.boardInfo.textContent = describeFailure('connect', error);
  }
  updateBoardButtons();
}

async function flashBoard(): Promise<void> {
  if (!board || !loaded) return;
  const session = board;
  ui.flash.disabled = true;
  try {
    const text = await session.flash(loaded.bytes, (p) => {
      ui.progress.max = p.size;
      ui.progress.value = p.offset;
    });
    ui.boardInfo.textContent = `${session.transport.description}: ${text}; ${session.info ? describeBoard(session.info) : ''}`;
  } catch (error) {
    ui.boardInfo.textContent = describeFailure(`flash ${loaded.name}`, error);
  }
  updateBoardButtons();
}

async function monitorBoard(): Promise<void> {
  if (!board || !clip) return;
  await stopMicrophone();
  streaming = new AbortController();
  updateBoardButtons();
  begin('board');
  try {
    // At the model's pace, as a microphone on the board would feed it.
    const stepsPerSecond = loaded ? 1e6 / loaded.info.timestepUs : 100;
    const end = await board.monitor(clip, feed, { signal: streaming.signal, stepsPerSecond });
    studio.decision = end.decision;
    if (end.lateDetection) addDetection(end.lateDetection);
    ui.boardInfo.textContent = `${clip.name} through the board: ${end.text}`;
  } catch (error) {
    ui.boardInfo.textContent = describeFailure('stream to the board', error);
  }
  streaming = undefined;
  updateBoardButtons();
}

// ---------------------------------------------------------------------------------------------
// Wiring

async function openFile(file: File): Promise<void> {
  if (file.name.toLowerCase().endsWith('.wav')) await openClip(file);
  else await openModel(file);
}

ui.modelFile.addEventListener(
  'change',
  () => void (ui.modelFile.files?.[0] && openModel(ui.modelFile.files[0])),
);
ui.wavFile.addEventListener('change', () => void (ui.wavFile.files?.[0] && openClip(ui.wavFile.files[0])));
ui.mic.addEventListener('click', () => void toggleMicrophone());
ui.connect.addEventListener('click', () => void toggleBoard());
ui.flash.addEventListener('click', () => void flashBoard());
ui.monitor.addEventListener('click', () => void monitorBoard());
ui.stop.addEventListener('click', () => streaming?.abort());
document.addEventListener('dragover', (event) => event.preventDefault());
document.addEventListener('drop', (event) => {
  event.preventDefault();
  const files = [...(event.dataTransfer?.files ?? [])];
  // A model first, so a model and a clip dropped together both work.
  files.sort((a, b) => Number(a.name.endsWith('.wav')) - Number(b.name.endsWith('.wav')));
  void files.reduce((done, file) => done.then(() => openFile(file)), Promise.resolve());
});

ui.wavFile.disabled = true;
ui.mic.disabled = true;
if (!serial)
  ui.boardInfo.textContent = 'Web Serial is not available in this browser (it needs Chromium or Edge)';
updateBoardButtons();
studio.ready = true;
say('open a model (.hsm): file picker or drop it on the page');
