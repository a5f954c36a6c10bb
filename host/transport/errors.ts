/**
 * A broken link, as the transports report it. The protocol layer's own failures (no reply, a reply
 * that breaks the protocol) extend LinkError too (host/protocol/errors.ts).
 */

export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

/** The transport closed (port unplugged, virtual board stopped) or could not be opened. */
export class LinkClosedError extends LinkError {
  constructor(message: string) {
    super(message);
    this.name = 'LinkClosedError';
  }
}
