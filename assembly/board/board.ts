// The firmware's entry points (docs/board-abi.md, "Exports the firmware calls"): boardInit once,
// boardPoll from the main loop. A poll does bounded work: it offers queued bytes to the UART, reads
// and decodes at most a few hundred received bytes, handles at most one request (or runs the
// steps of the SPIKES or AUDIO frame in progress that the transmit ring has room for), takes one
// read of the microphone when it listens (a SOURCE_MIC stream, or on its own), and flushes again.

import { slotsInit } from './slots';
import { Stream, micStreaming, runMic, runSteps } from './stream';
import { Listen, listenAtStart } from './listen';
import { Link, TX_RESERVE, flushTx, receiveFrame, setMaxFrame, txFree } from '../protocol/link';
import { handleFrame } from './handlers';

/** Finds and loads the newest valid stored model: 0 (also when none is stored), or the engine's
 *  code for a stored model it refused. */
export function boardInit(): i32 {
  const status = slotsInit();
  listenAtStart();
  return status;
}

/** 1 if the poll moved bytes or handled anything, 0 when idle. */
export function boardPoll(): i32 {
  Link.rxMoved = false;
  let worked = flushTx();
  if (!Stream.running && txFree() >= TX_RESERVE) {
    const bytes = receiveFrame();
    if (bytes != 0) {
      handleFrame(bytes);
      worked = true;
    }
  }
  if (Stream.running) {
    if (runSteps()) worked = true;
  } else if (micStreaming()) {
    if (runMic(true)) worked = true;
  } else if (Listen.active && runMic(false)) worked = true;
  if (flushTx()) worked = true;
  return worked || Link.rxMoved ? 1 : 0;
}

/** Lowers the largest frame body the board accepts (and INFO reports); clamped to [64, 256]. Returns it. */
export function boardSetMaxFrame(bytes: i32): i32 {
  return <i32>setMaxFrame(bytes);
}
