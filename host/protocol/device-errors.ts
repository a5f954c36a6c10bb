/**
 * The device's error table (docs/protocol.md, "ERROR (0xFF)"): the board sends an ERROR frame with
 * only a code and a detail; the names and words live here, and the protocol tests compare this
 * table with the doc's.
 */

import { describeStatus } from '../model/errors.js';
import { hex32 } from '../model/crc32.js';
import { Reader } from './bytes.js';
import { MessageType } from './messages.js';
import { describeStorageStatus } from '../wasm/storage-status.js';

export interface DeviceErrorCode {
  code: number;
  name: string;
  /** The meaning column of docs/protocol.md, word for word. */
  meaning: string;
  /** What ERROR's detail holds for this code, or null when it holds nothing. */
  detail: string | null;
}

export const DEVICE_ERROR_CODES: readonly DeviceErrorCode[] = [
  { code: 1, name: 'BAD_REQUEST', meaning: 'payload length or a field is wrong for the type', detail: null },
  { code: 2, name: 'UNKNOWN_TYPE', meaning: 'a request type this board does not know', detail: null },
  { code: 3, name: 'TOO_LARGE', meaning: 'the model does not fit a storage slot', detail: 'slot bytes' },
  {
    code: 4,
    name: 'NO_UPLOAD',
    meaning: 'UPLOAD_CHUNK/END/COMMIT without a matching upload in progress',
    detail: null,
  },
  {
    code: 5,
    name: 'HASH_MISMATCH',
    meaning: "the stored bytes' model hash differs from UPLOAD_BEGIN's, or their last 4 bytes do not hold it",
    detail: 'hash found',
  },
  { code: 6, name: 'NOT_VERIFIED', meaning: 'COMMIT before UPLOAD_END verified the upload', detail: null },
  {
    code: 7,
    name: 'MODEL_REJECTED',
    meaning: 'the engine refused the model at COMMIT; the old model stays active',
    detail: 'engine status code (docs/model-format.md)',
  },
  {
    code: 8,
    name: 'STORAGE',
    meaning: 'a storage import failed',
    detail: 'its storage status (docs/board-abi.md)',
  },
  { code: 9, name: 'NO_MODEL', meaning: 'streaming needs a model', detail: null },
  {
    code: 10,
    name: 'NOT_STREAMING',
    meaning: 'SPIKES or STREAM_STOP without STREAM_START',
    detail: null,
  },
  {
    code: 11,
    name: 'STEP_GAP',
    meaning: "SPIKES starts after the board's next step (a frame was lost)",
    detail: "the board's next step",
  },
  {
    code: 12,
    name: 'BAD_INPUT',
    meaning: "a channel at or above the model's input count; the frame is not applied",
    detail: 'engine status code',
  },
  { code: 13, name: 'NO_ROLLBACK', meaning: 'no older valid model to roll back to', detail: null },
];

/** An ERROR (0xFF) reply, with its words from the table. */
export interface DeviceError {
  /** The request type the board refused. */
  requestType: number;
  code: number;
  name: string;
  /** The meaning from the error table. */
  message: string;
  /** ERROR's detail (i32); see DeviceErrorCode.detail for what it holds. */
  detail: number;
}

export function describeDeviceErrorCode(code: number): DeviceErrorCode {
  return (
    DEVICE_ERROR_CODES.find((e) => e.code === code) ?? {
      code,
      name: `UNKNOWN_ERROR_${code}`,
      meaning: `an error code this host does not know (${code})`,
      detail: null,
    }
  );
}

export function makeDeviceError(requestType: number, code: number, detail: number): DeviceError {
  const entry = describeDeviceErrorCode(code);
  return { requestType, code, name: entry.name, message: entry.meaning, detail };
}

/** The detail in words, or '' when the code's detail means nothing. */
export function deviceErrorDetail(error: DeviceError): string {
  switch (error.name) {
    case 'TOO_LARGE':
      return `a slot holds models of at most ${error.detail} bytes`;
    case 'HASH_MISMATCH':
      return `the board found model hash 0x${hex32(error.detail)}`;
    case 'MODEL_REJECTED':
    case 'BAD_INPUT': {
      const status = describeStatus(error.detail);
      return `engine status ${status.name}: ${status.message}`;
    }
    case 'STORAGE': {
      const status = describeStorageStatus(error.detail);
      return `storage status ${error.detail} (${status.name}: ${status.meaning})`;
    }
    case 'STEP_GAP':
      return `the board's next step is ${error.detail}`;
    case 'BAD_REQUEST':
      // STREAM_START names the bytes one RESULT would need when they exceed the board's maxFrame.
      return error.requestType === MessageType.STREAM_START && error.detail > 0
        ? `a RESULT of this stream would need ${error.detail} bytes, more than the board's maxFrame`
        : '';
    default:
      return '';
  }
}

/** "Failed to <action>: <NAME> (<meaning>; <detail>)": the one way a device error is printed. */
export function formatDeviceError(action: string, error: DeviceError): string {
  const detail = deviceErrorDetail(error);
  return `Failed to ${action}: ${error.name} (${error.message}${detail ? `; ${detail}` : ''})`;
}

/** ERROR (0xFF): the request type refused, the code and its detail. */
export function decodeError(payload: Uint8Array): DeviceError {
  const r = new Reader(payload, 'ERROR');
  const requestType = r.u8();
  const code = r.u8();
  const detail = r.i32();
  r.end();
  return makeDeviceError(requestType, code, detail);
}
