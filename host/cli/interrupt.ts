/** Ctrl-C for the commands that stream: the first stops the stream cleanly, a second exits at once. */

/** Aborts `controller` on SIGINT or SIGTERM (the stream then sends STREAM_STOP and its summary); a
 *  second signal exits with 130. Returns the function that removes the handlers. */
export function abortOnInterrupt(controller: AbortController): () => void {
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
