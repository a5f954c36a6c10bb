/**
 * The A/B promise on the emulated Cortex-M4 boards (firmware-bindings/README.md, "Local checks",
 * step 4): the MPS2 firmware, and the STM32F4 port's QEMU build, keep their slots in a file
 * (semihosting); QEMU is killed in the middle of an upload, started again on the same file, and
 * the old model is still the board's, and flashing the new one then completes. It needs firmware
 * built against WAMR, which no registry provides, so it is a local check (`npm run test:qemu`, not
 * part of `npm test`): each machine's check runs only when its variable names an ELF
 * (HETSYN_QEMU_MPS2_ELF, HETSYN_QEMU_STM32F4_ELF), and skips otherwise.
 */

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BoardClient } from '../../host/protocol/client.js';
import { flashModel } from '../../host/protocol/upload.js';
import { SerialTransport } from '../../host/transport/serial.js';
import { REPO_ROOT } from '../host/fixtures.js';
import { requireTools } from '../host/tools.js';

const QEMU = { name: 'qemu-system-arm', debianPackage: 'qemu-system-arm' };
/** The QEMU machines, the variable naming each one's firmware. */
const BOARDS = [
  { machine: 'mps2-an386', variable: 'HETSYN_QEMU_MPS2_ELF' },
  { machine: 'netduinoplus2', variable: 'HETSYN_QEMU_STM32F4_ELF' },
];
const OLD_MODEL = readFileSync(join(REPO_ROOT, 'models', 'fsdd-digits.hsm'));
// Both fit the STM32F4 QEMU build's 48 KiB slots (the shipped gsc12-kws, 87.7 KB, does not).
const NEW_MODEL = readFileSync(join(REPO_ROOT, 'models', 'demo-kws-shape.hsm'));
const BOOT_TIMEOUT_MS = 20_000;

interface Qemu {
  process: ChildProcess;
  pty: string;
}

/** QEMU on the firmware, in `dir` (where the slot file lives), and the pty of its protocol UART. */
function startQemu(machine: string, elf: string, dir: string): Promise<Qemu> {
  const qemu = spawn(
    'qemu-system-arm',
    [
      ...['-M', machine, '-display', 'none', '-monitor', 'none'],
      ...['-semihosting-config', 'enable=on,target=native'],
      ...['-serial', 'pty', '-serial', 'file:board.log', '-kernel', elf],
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let said = '';
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL');
      reject(new Error(`QEMU named no pty within ${BOOT_TIMEOUT_MS} ms: ${said}`));
    }, BOOT_TIMEOUT_MS);
    const listen = (chunk: Buffer): void => {
      said += chunk.toString();
      const pty = /char device redirected to (\/dev\/pts\/\d+)/.exec(said)?.[1];
      if (!pty) return;
      clearTimeout(timer);
      resolve({ process: qemu, pty });
    };
    qemu.stdout.on('data', listen);
    qemu.stderr.on('data', listen);
    qemu.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function killed(qemu: Qemu): Promise<void> {
  return new Promise((resolve) => {
    if (qemu.process.exitCode !== null || qemu.process.signalCode !== null) {
      resolve();
      return;
    }
    qemu.process.once('exit', () => resolve());
    qemu.process.kill('SIGKILL');
  });
}

async function connect(qemu: Qemu): Promise<BoardClient> {
  return BoardClient.connect(await SerialTransport.open(qemu.pty));
}

for (const { machine, variable } of BOARDS) {
  describe(`${machine} firmware under QEMU: a power cut during a flash`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'hetsyn-qemu-'));
    const running: Qemu[] = [];
    after(async () => {
      await Promise.all(running.map(killed));
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps the old model when QEMU is killed mid-upload, and the flash then completes', async (t) => {
      const elf = process.env[variable];
      if (!elf || !existsSync(elf)) {
        t.skip(`set ${variable} to its firmware built with WAMR (firmware-bindings/README.md)`);
        return;
      }
      const skip = requireTools(QEMU);
      if (skip) {
        t.skip(skip);
        return;
      }

      const first = await startQemu(machine, elf, dir);
      running.push(first);
      let client = await connect(first);
      const flashed = await flashModel(client, OLD_MODEL);
      assert.ok(flashed.ok, JSON.stringify(flashed));

      let cutAt = 0;
      const interrupted = flashModel(client, NEW_MODEL, (progress) => {
        if (cutAt === 0 && progress.offset > progress.size / 3) {
          cutAt = progress.offset;
          void killed(first);
        }
      }).then(
        (outcome) => ({ outcome, error: undefined }),
        (error: unknown) => ({ outcome: undefined, error }),
      );
      const cut = await interrupted;
      assert.ok(cutAt > 0 && cutAt < NEW_MODEL.length, `cut at ${cutAt} of ${NEW_MODEL.length}`);
      assert.ok(cut.error !== undefined, `the upload broke off: ${JSON.stringify(cut.outcome)}`);
      await client.close().catch(() => undefined);

      const second = await startQemu(machine, elf, dir);
      running.push(second);
      client = await connect(second);
      const info = await client.hello();
      assert.deepEqual(
        [info.modelLoaded, info.modelName, info.activeSlot, info.generation],
        [true, 'fsdd-digits', 0, 1],
        'the old model survived',
      );
      const resumed = await flashModel(client, NEW_MODEL);
      assert.ok(resumed.ok, JSON.stringify(resumed));
      const now = await client.hello();
      assert.deepEqual([now.modelName, now.activeSlot, now.generation], ['demo-kws-shape', 1, 2]);
      await client.close();
    });
  });
}
