// Listening on its own (docs/protocol.md, "Listening on its own"): a board that starts with a stored
// model that has a front-end takes the microphone (mic_read) into it and runs the network and the
// detector, with no host and no RESULT frames, logging each detection, until a host takes the board
// over with STREAM_START, COMMIT or ROLLBACK (handlers.ts); it listens again from its next start.
// The steps are a microphone stream's (stream.ts runMic), so what the board hears alone is what a
// host would see in a SOURCE_MIC stream.

import { logNamed, logValue } from '../abi/log';
import { Detect } from '../engine/detect';
import * as E from '../model/errors';
import { ModelFrontend } from '../model/frontend-section';
import { Model } from '../model/network';
import * as F from '../frontend/frontend';

export class Listen {
  static active: bool = false;
}

/** At the board's start, after the stored model is loaded: listens if the model has a front-end. */
export function listenAtStart(): void {
  Listen.active = Model.loaded && F.configureFromModel() == E.OK;
  if (!Listen.active) return;
  F.reset();
  logValue('hetsyn: listening; sample rate', <i32>ModelFrontend.sampleRateHz);
}

/** A detection while listening on its own: the log says "hetsyn: heard LABEL at step N". */
export function heard(detected: i32): void {
  let label = Model.labels; // u8 length + bytes, per class
  for (let j: i32 = 0; j < detected; j++) label += 1 + <usize>load<u8>(label);
  logNamed('hetsyn: heard ', label + 1, <u32>load<u8>(label), ' at step', <i32>Detect.lastStep);
}
