/**
 * Link failures: the exceptions of the protocol layer. A device that answers with an ERROR frame is
 * not one of these (that is a value, DeviceError in device-errors.ts); these say the conversation
 * itself broke: no reply after the retries, the port went away, or the board speaks something else.
 */

import { LinkClosedError, LinkError } from '../transport/errors.js';

/** No valid reply after every retry: `attempts` tries over `waitedMs`. */
export class LinkTimeoutError extends LinkError {
  constructor(
    readonly requestName: string,
    readonly attempts: number,
    readonly waitedMs: number,
  ) {
    super(
      `no reply to ${requestName} after ${attempts} ${attempts === 1 ? 'try' : 'tries'} over ${Math.round(waitedMs)} ms`,
    );
    this.name = 'LinkTimeoutError';
  }
}

/** A valid frame whose content breaks the protocol (wrong length, wrong version, impossible value). */
export class ProtocolError extends LinkError {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Link failures by name, like the device's error codes: name and meaning. */
export const LINK_ERRORS = {
  LinkTimeoutError: { name: 'LINK_TIMEOUT', meaning: 'the board did not answer' },
  LinkClosedError: { name: 'LINK_CLOSED', meaning: 'the port cannot be opened or went away' },
  ProtocolError: { name: 'PROTOCOL', meaning: "the board's reply breaks the protocol" },
  LinkError: { name: 'LINK', meaning: 'the link failed' },
} as const;

export function describeLinkError(error: LinkError): { name: string; meaning: string } {
  if (error instanceof LinkTimeoutError) return LINK_ERRORS.LinkTimeoutError;
  if (error instanceof LinkClosedError) return LINK_ERRORS.LinkClosedError;
  if (error instanceof ProtocolError) return LINK_ERRORS.ProtocolError;
  return LINK_ERRORS.LinkError;
}

/** "Failed to <action>: LINK_TIMEOUT (the board did not answer: no reply to HELLO after ...)". */
export function formatLinkError(action: string, error: LinkError): string {
  const { name, meaning } = describeLinkError(error);
  return `Failed to ${action}: ${name} (${meaning}: ${error.message})`;
}
