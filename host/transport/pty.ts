/**
 * A pseudo-terminal pair: two device paths joined back to back, so that a program that opens one
 * talks to whoever opened the other, exactly as over a serial cable. The virtual board
 * (`hetsyn board`) holds one end and the user's tools open the other.
 *
 * Node cannot create ptys itself. With `socat` on PATH the pair is socat's; otherwise a small
 * python3 helper (os.openpty twice, relaying between the two masters) makes it. Either way:
 *
 * - both slave ends are also held open by this process, so a client that closes its end (and
 *   reopens it later) does not make the relay see a hang-up and exit;
 * - the relay watches its stdin, a pipe from this process, and exits when that closes: the pair
 *   goes away with this process even when it is killed, and a client on the other end sees its
 *   port vanish, as when a board is unplugged.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PtyPair {
  /** The two device paths (the symlinks when links were asked for). */
  a: string;
  b: string;
  /** The /dev/pts paths behind them. */
  devices: [string, string];
  via: 'socat' | 'python3';
  /** Resolves when the relay has exited (by close() or on its own). */
  exited: Promise<void>;
  close(): Promise<void>;
}

export interface PtyOptions {
  /** Stable symlinks to create for the two ends (e.g. /tmp/hetsyn-board). */
  linkA?: string;
  linkB?: string;
  /** Force a helper; default socat when on PATH, else python3. */
  via?: 'socat' | 'python3';
}

const START_TIMEOUT_MS = 5000;

/**
 * socat under a tiny shell that kills it when our stdin pipe closes. socat prints one "PTY is
 * /dev/pts/N" line per address (with -d -d), in address order.
 */
const SOCAT_WRAPPER = `exec 3<&0
socat -d -d "pty,raw,echo=0$1" "pty,raw,echo=0$2" </dev/null &
pid=$!
(read _ <&3; kill $pid 2>/dev/null) &
wait $pid`;

/** The python3 fallback: two raw ptys, a relay between the masters, both slaves kept open. */
const PYTHON_HELPER = String.raw`
import os, sys, tty, select, errno
pairs = [os.openpty() for _ in range(2)]
for _, s in pairs:
    tty.setraw(s)
names = [os.ttyname(s) for _, s in pairs]
links = [l for l in sys.argv[1:3]]
for name, link in zip(names, links):
    if link:
        try: os.unlink(link)
        except FileNotFoundError: pass
        os.symlink(name, link)
sys.stderr.write('PTY is %s\nPTY is %s\n' % (names[0], names[1])); sys.stderr.flush()
masters = [m for m, _ in pairs]
for m in masters: os.set_blocking(m, False)
pending = {masters[0]: bytearray(), masters[1]: bytearray()}
LIMIT = 1 << 20
try:
    while True:
        writers = [m for m in masters if pending[m]]
        r, w, _ = select.select(masters + [0], writers, [])
        if 0 in r and not os.read(0, 1024):
            break
        for src, dst in ((masters[0], masters[1]), (masters[1], masters[0])):
            if src in r:
                try: data = os.read(src, 65536)
                except OSError: data = b''
                if len(pending[dst]) < LIMIT: pending[dst] += data
        for m in w:
            try: n = os.write(m, pending[m])
            except OSError as e:
                if e.errno != errno.EAGAIN: pending[m].clear()
                continue
            del pending[m][:n]
finally:
    for link in links:
        if link:
            try: os.unlink(link)
            except OSError: pass
`;

export function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export class PtyUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PtyUnavailableError';
  }
}

export async function createPtyPair(options: PtyOptions = {}): Promise<PtyPair> {
  const via = options.via ?? (onPath('socat') ? 'socat' : 'python3');
  if (!onPath(via === 'socat' ? 'socat' : 'python3')) {
    throw new PtyUnavailableError(
      'a virtual board needs socat (Debian package socat) or python3 to create a pseudo-terminal pair',
    );
  }
  const child =
    via === 'socat'
      ? spawn(
          'sh',
          [
            '-c',
            SOCAT_WRAPPER,
            'sh',
            options.linkA ? `,link=${options.linkA}` : '',
            options.linkB ? `,link=${options.linkB}` : '',
          ],
          { stdio: ['pipe', 'ignore', 'pipe'] },
        )
      : spawn('python3', ['-c', PYTHON_HELPER, options.linkA ?? '', options.linkB ?? ''], {
          stdio: ['pipe', 'ignore', 'pipe'],
        });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const devices = await readDevices(child, via);
  // Hold both slaves so a client closing its end is no hang-up for the relay.
  const held = devices.map((device) =>
    openSync(device, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK),
  );
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const fd of held) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 2000);
      await exited;
      clearTimeout(timer);
    })();
    return closing;
  };
  void exited.then(() => {
    for (const fd of held.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
  return {
    a: options.linkA ?? devices[0],
    b: options.linkB ?? devices[1],
    devices,
    via,
    exited,
    close,
  };
}

function readDevices(child: ChildProcess, via: string): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const found: string[] = [];
    let text = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(new PtyUnavailableError(`${via} could not create a pseudo-terminal pair: ${why}`));
    };
    const timer = setTimeout(() => fail(`no pty paths within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => {
      if (found.length < 2) fail(`it exited with code ${code}: ${text.trim().split('\n').pop() ?? ''}`);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (const match of text.matchAll(/PTY is (\S+)/g)) {
        if (!found.includes(match[1])) found.push(match[1]);
      }
      if (found.length >= 2) {
        clearTimeout(timer);
        // Keep draining stderr so the relay never blocks on a full pipe.
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve([found[0], found[1]]);
      }
    });
  });
}
