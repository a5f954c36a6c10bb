/**
 * What `hetsyn monitor` knows: the counts, rates, last scores, detections and link and board
 * counters its views draw. The streaming loop updates it; drawing only reads it.
 */

import type { BoardCounters, Detection } from '../protocol/messages.js';
import type { StreamStep } from '../protocol/stream.js';

/** Steps of spikes kept: 2 per column of a terminal up to 400 columns wide. */
const RASTER_STEPS_KEPT = 2 * 400;
/** Detections kept (the screen shows the last few). */
const DETECTIONS_KEPT = 50;
/** Latency samples the live percentiles cover (the most recent). */
const LIVE_LATENCY_SAMPLES = 500;
/** The board's step times the mean and maximum cover (the most recent). */
export const STEP_TIMES_KEPT = 500;
/** The rates cover this much of the recent past. */
const RATE_SPAN_MS = 3000;

/** A DETECTION event of the board, as the monitor saw it arrive. */
export interface SeenDetection extends Detection {
  /** When its RESULT arrived. */
  at: Date;
  /** Global step of that RESULT (counted over passes and reconnects). */
  t: number;
  /** Where in the input it fired, and in which pass of it. */
  inputStep: number;
  pass: number;
}

/** The link's counters, summed over every connection so far. */
export interface LinkCounters {
  framesSent: number;
  framesRetried: number;
  timeouts: number;
  resultsLost: number;
}

/** What the monitor knows before it streams: the port, and from --model the model's facts. */
export interface MonitorSetup {
  port: string;
  labels?: readonly string[] | undefined;
  spikeLayer?: number | undefined;
  /** Neurons of the reported layer. */
  layerNeurons?: number | undefined;
  /** The model's step in µs: a detection's time is its step times this. */
  timestepUs?: number | undefined;
  /** What one score LSB is in the float model (2^-stateFracBits of the readout): the bars' softmax scale. */
  scoreLsb?: number | undefined;
  /** Steps per second the stream is paced at; 0 as fast as the link goes. */
  rate?: number | undefined;
}

export interface MonitorState {
  port: string;
  modelName: string;
  labels: readonly string[] | undefined;
  timestepUs: number | undefined;
  scoreLsb: number | undefined;
  rate: number;
  spikeLayer: number | undefined;
  /** Neurons of the reported layer (from --model), else grown to the highest index seen. */
  layerNeurons: number;
  /** True when layerNeurons came from the model, so spikes do not grow it. */
  layerNeuronsKnown: boolean;
  status: string;
  /** Steps handed out so far, over all passes and connections. */
  globalStep: number;
  pass: number;
  /**
   * The input step the current stream began at (after a reconnect, not 0): STREAM_START resets the
   * board's step counter, so a detection's board step counts from here.
   */
  streamStart: number;
  lastScores: number[] | undefined;
  decision: number;
  /** The board's latest detections, oldest first. */
  detections: SeenDetection[];
  /** Detections seen in all. */
  detectionCount: number;
  /** The board's own time for each of the last steps, in µs (RESULT stepUs). */
  stepUs: number[];
  /** Spikes of the last steps, oldest first (null: the step's result was lost). */
  raster: (readonly number[] | null)[];
  link: LinkCounters & { latency: number[] };
  board: BoardCounters | undefined;
  reconnects: number;
  /** For the rates: samples of (time, steps, frames) from the last seconds. */
  rateSamples: { at: number; steps: number; frames: number }[];
}

export function newState(setup: MonitorSetup): MonitorState {
  const { port, labels, spikeLayer, layerNeurons } = setup;
  return {
    port,
    modelName: '',
    labels,
    timestepUs: setup.timestepUs,
    scoreLsb: setup.scoreLsb,
    rate: setup.rate ?? 0,
    spikeLayer,
    layerNeurons: layerNeurons ?? 8,
    layerNeuronsKnown: layerNeurons !== undefined,
    status: 'connecting',
    globalStep: 0,
    pass: 1,
    streamStart: 0,
    lastScores: undefined,
    decision: -1,
    detections: [],
    detectionCount: 0,
    stepUs: [],
    raster: [],
    link: { framesSent: 0, framesRetried: 0, timeouts: 0, resultsLost: 0, latency: [] },
    board: undefined,
    reconnects: 0,
    rateSamples: [],
  };
}

/** Takes in one streamed step; returns the board's detection when its RESULT brought one. */
export function recordStep(state: MonitorState, step: StreamStep): SeenDetection | undefined {
  const t = state.globalStep++;
  if (step.lost) {
    state.raster.push(null);
  } else {
    state.lastScores = step.scores;
    state.decision = step.decision;
    state.stepUs.push(step.stepUs);
    if (state.stepUs.length > STEP_TIMES_KEPT) state.stepUs.shift();
    if (step.spikes) {
      state.raster.push(step.spikes);
      const top = Math.max(-1, ...step.spikes);
      if (!state.layerNeuronsKnown && top >= state.layerNeurons)
        state.layerNeurons = Math.ceil((top + 1) / 8) * 8;
    } else if (state.spikeLayer !== undefined) {
      state.raster.push([]);
    }
  }
  if (state.raster.length > RASTER_STEPS_KEPT)
    state.raster.splice(0, state.raster.length - RASTER_STEPS_KEPT);
  return step.detection ? recordDetection(state, step.detection, t) : undefined;
}

/** Takes in a detection of the board's that arrived with global step `t`. */
export function recordDetection(state: MonitorState, found: Detection, t: number): SeenDetection {
  const detection = {
    ...found,
    at: new Date(),
    t,
    inputStep: state.streamStart + found.step,
    pass: state.pass,
  };
  state.detections.push(detection);
  state.detectionCount++;
  if (state.detections.length > DETECTIONS_KEPT) state.detections.shift();
  return detection;
}

/** The link counters: those of the connections before this one plus this one's. */
export function updateLink(
  state: MonitorState,
  past: LinkCounters,
  current: LinkCounters,
  now: number,
): void {
  state.link.framesSent = past.framesSent + current.framesSent;
  state.link.framesRetried = past.framesRetried + current.framesRetried;
  state.link.timeouts = past.timeouts + current.timeouts;
  state.link.resultsLost = past.resultsLost + current.resultsLost;
  state.rateSamples.push({ at: now, steps: state.globalStep, frames: state.link.framesSent });
  while (state.rateSamples.length > 2 && now - (state.rateSamples[0]?.at ?? now) > RATE_SPAN_MS)
    state.rateSamples.shift();
}

export function recordLatency(state: MonitorState, ms: number): void {
  state.link.latency.push(ms);
  if (state.link.latency.length > LIVE_LATENCY_SAMPLES) state.link.latency.shift();
}

/** Steps and frames per second over the recent samples; 0 until there are two. */
export function rates(state: MonitorState): { stepsPerSecond: number; framesPerSecond: number } {
  const samples = state.rateSamples;
  if (samples.length < 2) return { stepsPerSecond: 0, framesPerSecond: 0 };
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.at - first.at) / 1000;
  if (seconds <= 0) return { stepsPerSecond: 0, framesPerSecond: 0 };
  return {
    stepsPerSecond: (last.steps - first.steps) / seconds,
    framesPerSecond: (last.frames - first.frames) / seconds,
  };
}

/** The board's own step time over the recent steps, in µs; null before the first RESULT. */
export function stepTimes(state: MonitorState): { meanUs: number; maxUs: number; samples: number } | null {
  const samples = state.stepUs;
  if (samples.length === 0) return null;
  return {
    meanUs: samples.reduce((a, b) => a + b, 0) / samples.length,
    maxUs: Math.max(...samples),
    samples: samples.length,
  };
}
