/**
 * End to end over a real pseudo-terminal with the real serialport package: `hetsyn board` (the
 * .wasm behind a pty, storage in a file) against `hetsyn flash/info/stream`, as a user runs them.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLI,
  DEMO_INPUT,
  DEMO_MODEL,
  boardInfo,
  expectedRun,
  hetsyn,
  modelHash,
  parseStreamLines,
  startBoard,
  tempDir,
} from './serial-helpers.js';
import { writeHsm } from '../../host/model/hsm-writer.js';
import { FORMAT_VERSION } from '../../host/model/hsm.js';
import { resealCrc, tinyModel } from './fixtures.js';
import { hex32 } from '../../host/model/crc32.js';
import { flashPort } from '../../host/commands/flash.js';
import { randomNetwork } from '../../host/float/random-network.js';
import { quantize } from '../../host/quantize/quantize.js';
import { defaultFrontend } from '../../host/model/frontend-config.js';
import { encodeWav } from '../../host/audio/wav.js';
import { PTY, withTools } from './tools.js';

const { dir, remove } = tempDir('hetsyn-serial-');
test.after(remove);

const demo = readFileSync(DEMO_MODEL);
const TINY_PATH = join(dir, 'tiny.hsm');
writeFileSync(TINY_PATH, writeHsm(tinyModel()));
const tiny = readFileSync(TINY_PATH);

test(
  'flash a model, read INFO back with its hash, restart the board: the model is still there',
  withTools([PTY], async () => {
    const storage = join(dir, 'persist.bin');
    const board = await startBoard(storage);
    try {
      const flashed = await hetsyn(['flash', DEMO_MODEL, '--port', board.port]);
      assert.equal(flashed.code, 0, flashed.stderr);
      assert.match(flashed.stdout, /demo-kws-shape, 40,576 B, crc 0x[0-9a-f]{8}, slot 0, generation 1/);
      assert.ok(flashed.stdout.includes(`0x${hex32(modelHash(demo))}`));
      const info = await boardInfo(board.port);
      assert.deepEqual(
        [info.modelLoaded, info.modelName, info.modelBytes, info.modelCrc, info.activeSlot, info.generation],
        [true, 'demo-kws-shape', demo.length, modelHash(demo), 0, 1],
      );
    } finally {
      await board.stop();
    }
    const again = await startBoard(storage);
    try {
      const info = await boardInfo(again.port);
      assert.deepEqual(
        [info.modelName, info.modelCrc, info.generation],
        ['demo-kws-shape', modelHash(demo), 1],
      );
    } finally {
      await again.stop();
    }
  }),
);

// 76 bytes is the smallest frame a RESULT with the 12 scores and the latest detection fits.
for (const maxFrame of [76, 128, 256]) {
  test(
    `stream a spike file: every step equals hetsyn sim bit for bit (max frame ${maxFrame})`,
    withTools([PTY], async () => {
      const board = await startBoard(join(dir, `stream-${maxFrame}.bin`), ['--max-frame', String(maxFrame)]);
      try {
        assert.equal((await hetsyn(['flash', DEMO_MODEL, '--port', board.port])).code, 0);
        const run = await hetsyn(['stream', DEMO_INPUT, '--port', board.port, '--json', '--scores']);
        assert.equal(run.code, 0, run.stderr);
        const { records } = expectedRun(DEMO_MODEL, DEMO_INPUT);
        const steps = parseStreamLines(run.stdout);
        assert.equal(steps.length, records.length);
        steps.forEach((step, t) => {
          const want = records[t];
          assert.deepEqual(
            [step.t, step.scores, step.decision],
            [want?.t, want?.scores, want?.decision],
            `step ${t}`,
          );
          assert.ok(
            Number.isInteger(step.stepUs) && (step.stepUs ?? -1) >= 0,
            `step ${t}: the board's stepUs`,
          );
        });
        assert.match(
          run.stderr,
          new RegExp(`decision: ${records.at(-1)?.decision}|class${records.at(-1)?.decision}`),
        );
      } finally {
        await board.stop();
      }
    }),
  );
}

test(
  '--power-cut-after N cuts the moment storage has taken N bytes, also at the end of a write',
  withTools([PTY], async () => {
    // N = the whole upload (model and its 16-byte slot header): the cut comes right after the header
    // write, before COMMITTED leaves the board; after a restart the board runs the new model.
    const storage = join(dir, 'cut-exact.bin');
    const doomed = await startBoard(storage, ['--power-cut-after', String(demo.length + 16)]);
    const flash = await hetsyn(['flash', DEMO_MODEL, '--port', doomed.port, '--reconnects', '0']);
    assert.equal(await doomed.exited, 7, doomed.stderr());
    assert.match(
      doomed.stderr(),
      new RegExp(`power cut after ${(demo.length + 16).toLocaleString('en-US')} B written`),
    );
    assert.notEqual(flash.code, 0, 'COMMITTED never reached the host');
    const revived = await startBoard(storage);
    try {
      const info = await boardInfo(revived.port);
      assert.deepEqual(
        [info.modelName, info.modelCrc, info.generation],
        ['demo-kws-shape', modelHash(demo), 1],
      );
    } finally {
      await revived.stop();
    }
    // N = 0: the first write already cuts, and nothing reaches the storage.
    const early = await startBoard(join(dir, 'cut-zero.bin'), ['--power-cut-after', '0']);
    await hetsyn(['flash', DEMO_MODEL, '--port', early.port, '--reconnects', '0']);
    assert.equal(await early.exited, 7);
    assert.match(early.stderr(), /power cut after 0 B written/);
  }),
);

test(
  'a power cut in the middle of an upload: after restart the board runs the previous model',
  withTools([PTY], async () => {
    const storage = join(dir, 'power.bin');
    const first = await startBoard(storage);
    try {
      assert.equal((await hetsyn(['flash', TINY_PATH, '--port', first.port])).code, 0);
    } finally {
      await first.stop();
    }
    // The count starts with this board process: cut half way into the demo model's upload.
    const cutAfter = Math.floor(demo.length / 2);
    const doomed = await startBoard(storage, ['--power-cut-after', String(cutAfter)]);
    const flash = await hetsyn(['flash', DEMO_MODEL, '--port', doomed.port, '--reconnects', '0']);
    const exitCode = await doomed.exited;
    assert.notEqual(exitCode, 0, 'the board process died mid-upload');
    assert.notEqual(flash.code, 0, 'the flash cannot succeed');
    assert.match(flash.stderr, /Failed to/);

    const revived = await startBoard(storage);
    try {
      const info = await boardInfo(revived.port);
      assert.deepEqual(
        [info.modelLoaded, info.modelName, info.modelCrc, info.generation, info.uploading],
        [true, 'tiny', modelHash(tiny), 1, false],
      );
      // And it runs it: a few steps stream and match the host simulation of the tiny model.
      const spikes = join(dir, 'tiny.spikes');
      writeFileSync(spikes, '# channels: 3\n0 2\n1\n-\n0 1 2\n2\n');
      const run = await hetsyn(['stream', spikes, '--port', revived.port, '--json', '--scores']);
      assert.equal(run.code, 0, run.stderr);
      const { records } = expectedRun(TINY_PATH, spikes);
      assert.deepEqual(
        parseStreamLines(run.stdout).map((s) => s.scores),
        records.map((r) => r.scores),
      );
    } finally {
      await revived.stop();
    }
  }),
);

test(
  'line noise (1% of bytes corrupted or dropped): flashing succeeds and every result that arrives is exact',
  withTools([PTY], async () => {
    const board = await startBoard(join(dir, 'noise.bin'), [
      '--drop',
      '0.005',
      '--corrupt',
      '0.005',
      '--seed',
      '7',
    ]);
    try {
      const flashed = await hetsyn(['flash', DEMO_MODEL, '--port', board.port, '--reconnects', '0'], {
        timeoutMs: 120_000,
      });
      assert.equal(flashed.code, 0, flashed.stderr);
      const run = await hetsyn(['stream', DEMO_INPUT, '--port', board.port, '--json', '--scores'], {
        timeoutMs: 120_000,
      });
      assert.equal(run.code, 0, run.stderr);
      const { records } = expectedRun(DEMO_MODEL, DEMO_INPUT);
      const steps = parseStreamLines(run.stdout);
      // Every step is accounted for, in order: a result or a line saying it was lost. At 1% damaged
      // bytes a ~70-byte RESULT frame arrives whole with probability 0.99^70, about half the time.
      assert.deepEqual(
        steps.map((s) => s.t),
        records.map((r) => r.t),
      );
      const arrived = steps.filter((s) => !s.lost);
      assert.ok(
        arrived.length >= records.length * 0.25,
        `only ${arrived.length} of ${records.length} results arrived`,
      );
      assert.ok(arrived.length < records.length, 'the noise did damage some results');
      for (const step of arrived) assert.deepEqual(step.scores, records[step.t]?.scores, `step ${step.t}`);
      const info = await boardInfo(board.port);
      assert.equal(info.modelCrc, modelHash(demo));
      assert.ok(info.counters.badFrames > 0, 'the board counted damaged frames');
    } finally {
      await board.stop();
    }
  }),
);

test(
  'a connection cut in the middle of an upload: flashing again resumes from the board offset',
  withTools([PTY], async () => {
    // A large model (the SHD shape, ~180 KB) so the upload lasts long enough to be cut.
    const bigPath = join(dir, 'big.hsm');
    const float = randomNetwork({
      seed: 3,
      inputCount: 700,
      layers: [
        { kind: 'recurrent', size: 128 },
        { kind: 'recurrent', size: 64 },
        { kind: 'readout', size: 20 },
      ],
    });
    writeFileSync(bigPath, writeHsm(quantize(float).hsm));
    const big = readFileSync(bigPath);
    const board = await startBoard(join(dir, 'resume.bin'), ['--max-frame', '64']);
    try {
      // Kill the host side after 300 chunks have been acknowledged (a port has one client at a time,
      // so the trace on its stderr is the way to watch; progress lines come once a second, and a
      // fast machine uploads the whole model within one): the link goes away mid-upload.
      const first = spawn(process.execPath, [CLI, 'flash', bigPath, '--port', board.port, '--trace'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const killed = new Promise((done) => first.on('exit', done));
      await new Promise<void>((done) => {
        let acks = 0;
        first.stderr.on('data', (d: Buffer) => {
          acks += d.toString().split('[Rx] UPLOAD_STATUS').length - 1;
          if (acks >= 300) {
            first.kill('SIGKILL');
            done();
          }
        });
        first.on('exit', () => done());
      });
      await killed;
      const info = await boardInfo(board.port);
      assert.ok(info.uploading && info.uploadOffset > 0, 'the board holds a partial upload');
      assert.ok(info.uploadOffset < big.length, `the upload was cut before its end: ${JSON.stringify(info)}`);
      assert.equal(info.modelLoaded, false);

      const again = await hetsyn(['flash', bigPath, '--port', board.port]);
      assert.equal(again.code, 0, again.stderr);
      const resumedAt = /\(resumed at ([\d,]+) B\)/.exec(again.stdout)?.[1];
      assert.ok(resumedAt, `flash did not say it resumed:\n${again.stdout}`);
      assert.ok(
        Number(resumedAt.replaceAll(',', '')) >= info.uploadOffset,
        'it resumed from the board offset',
      );
      const done = await boardInfo(board.port);
      assert.deepEqual([done.modelCrc, done.modelBytes, done.uploading], [modelHash(big), big.length, false]);
    } finally {
      await board.stop();
    }
  }),
);

test(
  'a corrupted model and one of another format version are refused, and the old model keeps running',
  withTools([PTY], async () => {
    const board = await startBoard(join(dir, 'refuse.bin'));
    try {
      assert.equal((await hetsyn(['flash', TINY_PATH, '--port', board.port])).code, 0);

      const corrupt = Uint8Array.from(demo);
      corrupt[2000] = (corrupt[2000] ?? 0) ^ 0x10;
      const corruptPath = join(dir, 'corrupt.hsm');
      writeFileSync(corruptPath, corrupt);
      const local = await hetsyn(['flash', corruptPath, '--port', board.port]);
      assert.equal(local.code, 4, 'refused on the host before the board is touched');
      assert.match(local.stderr, /BAD_CRC \(CRC-32 mismatch: the file is corrupted\)/);

      // A host tool without the local check (an older one, say): the board itself must refuse.
      const otherVersion = Uint8Array.from(demo);
      new DataView(otherVersion.buffer).setUint16(4, FORMAT_VERSION + 1, true);
      const sealed = resealCrc(otherVersion);
      await assert.rejects(flashPort(board.port, sealed, { maxReconnects: 0 }), (error: Error) => {
        assert.match(error.message, /MODEL_REJECTED/);
        assert.match(error.message, /BAD_VERSION/);
        assert.match(error.message, /tiny/, 'the message says what the board runs now');
        return true;
      });
      // Even without the engine check, the upload refuses a file that does not end with its own CRC.
      await assert.rejects(flashPort(board.port, corrupt, { maxReconnects: 0 }), /not an intact .hsm file/);

      const info = await boardInfo(board.port);
      assert.deepEqual([info.modelLoaded, info.modelName, info.modelCrc], [true, 'tiny', modelHash(tiny)]);
      const spikes = join(dir, 'still.spikes');
      writeFileSync(spikes, '0 1\n2\n0\n');
      const run = await hetsyn(['stream', spikes, '--port', board.port, '--json', '--scores']);
      assert.deepEqual(
        parseStreamLines(run.stdout).map((s) => s.scores),
        expectedRun(TINY_PATH, spikes).records.map((r) => r.scores),
      );
    } finally {
      await board.stop();
    }
  }),
);

test(
  'monitor: plain status lines, a JSONL log equal to hetsyn sim, spikes of the reported layer',
  withTools([PTY], async () => {
    const board = await startBoard(join(dir, 'monitor.bin'));
    try {
      assert.equal((await hetsyn(['flash', DEMO_MODEL, '--port', board.port])).code, 0);
      const log = join(dir, 'monitor.jsonl');
      const run = await hetsyn([
        'monitor',
        DEMO_INPUT,
        '--port',
        board.port,
        '--plain',
        '--spike-layer',
        '0',
        '--model',
        DEMO_MODEL,
        '--log',
        log,
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.trim().length > 0, 'plain mode prints status lines');
      const { records } = expectedRun(DEMO_MODEL, DEMO_INPUT);
      const logged = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as { step: number; scores: number[]; spikes?: number[]; decision: number },
        );
      assert.equal(logged.length, records.length);
      logged.forEach((entry, t) => {
        const want = records[t];
        assert.deepEqual(
          [entry.step, entry.scores, entry.spikes, entry.decision],
          [want?.t, want?.scores, want?.spikes?.[0], want?.decision],
          `step ${t}`,
        );
      });
    } finally {
      await board.stop();
    }
  }),
);

test(
  'a WAV clip streamed to the board, encoded by the model front-end, equals hetsyn sim on the clip',
  withTools([PTY], async () => {
    const float = randomNetwork({
      seed: 8,
      inputCount: 16,
      layers: [
        { kind: 'recurrent', size: 24 },
        { kind: 'readout', size: 3 },
      ],
    });
    const hsm = { ...quantize(float).hsm, labels: ['low', 'mid', 'high'] };
    const modelPath = join(dir, 'audio.hsm');
    writeFileSync(
      modelPath,
      writeHsm({ ...hsm, frontend: { ...defaultFrontend(8000), bands: 8, encoding: 'delta' } }),
    );
    // Three tone bursts at 8 kHz, so bands rise and fall: 0.3 s each with 0.1 s of silence between.
    const samples = new Int16Array(8000 * 1.2);
    [400, 1200, 2800].forEach((hz, burst) => {
      for (let i = 0; i < 2400; i++) {
        const at = burst * 3200 + 800 + i;
        samples[at] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
      }
    });
    const clip = join(dir, 'bursts.wav');
    writeFileSync(clip, encodeWav(samples, 8000));

    const board = await startBoard(join(dir, 'audio.bin'));
    try {
      const empty = await hetsyn(['stream', clip, '--port', board.port]);
      assert.equal(empty.code, 3, empty.stderr);
      assert.match(empty.stderr, /bursts\.wav is audio, but the board at .* runs no model: flash one first/);
      assert.match(
        (await hetsyn(['info', '--port', board.port])).stdout,
        /^audio +no front-end: spike input only$/m,
      );
      assert.equal((await hetsyn(['flash', modelPath, '--port', board.port])).code, 0);
      assert.match(
        (await hetsyn(['info', '--port', board.port])).stdout,
        /^audio +8000 Hz through the model's front-end \(8 bands, 25 ms window, 10 ms hop\)$/m,
      );
      // Without --model the board's INFO names the front-end, and the audio goes as AUDIO all the same.
      const noModel = await hetsyn(['stream', clip, '--port', board.port, '--json', '--scores']);
      assert.equal(noModel.code, 0, noModel.stderr);
      assert.match(noModel.stderr, /AUDIO/);

      const run = await hetsyn([
        'stream',
        clip,
        '--port',
        board.port,
        '--json',
        '--scores',
        '--model',
        modelPath,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const sim = await hetsyn(['sim', modelPath, clip, '--json']);
      assert.equal(sim.code, 0, sim.stderr);
      const expected = (
        JSON.parse(sim.stdout) as { steps: { t: number; scores: number[]; decision: number }[] }
      ).steps;
      const streamed = parseStreamLines(run.stdout);
      const scoresOf = (lines: typeof streamed): unknown[] => lines.map((s) => [s.t, s.scores, s.decision]);
      assert.deepEqual(scoresOf(parseStreamLines(noModel.stdout)), scoresOf(streamed));
      assert.equal(streamed.length, expected.length);
      assert.ok(expected.length >= 100, `${expected.length} steps of 10 ms for 1.2 s of audio`);
      streamed.forEach((step, t) =>
        assert.deepEqual(
          [step.scores, step.decision],
          [expected[t]?.scores, expected[t]?.decision],
          `step ${t}`,
        ),
      );
      assert.ok(
        expected.some((s) => s.scores.some((x) => x !== 0)),
        'the clip drove the network',
      );
    } finally {
      await board.stop();
    }
  }),
);

test(
  'HETSYN_PORT is the default --port of info, flash and stream; --port wins',
  withTools([PTY], async () => {
    const board = await startBoard(join(dir, 'env-port.bin'));
    try {
      const env = { HETSYN_PORT: board.port };
      const flashed = await hetsyn(['flash', DEMO_MODEL], { env });
      assert.equal(flashed.code, 0, flashed.stderr);
      assert.match(flashed.stdout, new RegExp(`^${board.port}: demo-kws-shape`, 'm'));
      const info = await hetsyn(['info', '--json'], { env });
      assert.equal(info.code, 0, info.stderr);
      assert.equal((JSON.parse(info.stdout) as { port: string }).port, board.port);
      const streamed = await hetsyn(['stream', DEMO_INPUT, '--json'], { env });
      assert.equal(streamed.code, 0, streamed.stderr);
      assert.equal(parseStreamLines(streamed.stdout).length, 100);
      const wins = await hetsyn(['info', '--port', join(dir, 'no-such-port')], { env });
      assert.equal(wins.code, 5);
      assert.match(wins.stderr, /no-such-port/);
      const several = await hetsyn(
        ['flash', DEMO_MODEL, '--port', board.port, '--port', join(dir, 'absent')],
        {
          env,
        },
      );
      assert.equal(several.code, 5);
      assert.match(several.stderr, /1 of 2 boards failed/);
    } finally {
      await board.stop();
    }
  }),
);

test(
  'stream and monitor: a board that runs another model than --model is a usage error unless --force; spike layers are named',
  withTools([PTY], async () => {
    const board = await startBoard(join(dir, 'mismatch.bin'));
    try {
      assert.equal((await hetsyn(['flash', DEMO_MODEL, '--port', board.port])).code, 0);
      for (const command of ['stream', 'monitor']) {
        // monitor's status lines, not its live view; stream prints plain lines anyway.
        const port = ['--port', board.port, ...(command === 'monitor' ? ['--plain'] : [])];
        const refused = await hetsyn([command, DEMO_INPUT, ...port, '--model', TINY_PATH]);
        assert.equal(refused.code, 2, `${command}: ${refused.stderr}`);
        assert.match(refused.stderr, /runs demo-kws-shape \(40576 B, crc 0x[0-9a-f]{8}\), not .*tiny\.hsm/);
        assert.match(refused.stderr, /pass --force/);
        const forced = await hetsyn([command, DEMO_INPUT, ...port, '--model', TINY_PATH, '--force']);
        assert.equal(forced.code, 0, forced.stderr);
        assert.match(forced.stderr, /^warning: the board on .* runs demo-kws-shape/m);

        const readout = await hetsyn([
          command,
          DEMO_INPUT,
          ...port,
          '--model',
          DEMO_MODEL,
          '--spike-layer',
          '1',
        ]);
        assert.equal(readout.code, 2);
        assert.match(
          readout.stderr,
          /--spike-layer 1: layer 1 is the readout, which does not spike; .*demo-kws-shape\.hsm has spiking layer 0 \(recurrent, 128 neurons\)/,
        );
        const blind = await hetsyn([command, DEMO_INPUT, ...port, '--spike-layer', '7']);
        assert.equal(blind.code, 6, blind.stderr);
        assert.match(blind.stderr, /BAD_REQUEST/);
        assert.match(blind.stderr, /--spike-layer 7 is probably not a spiking layer .* pass --model/);
      }
    } finally {
      await board.stop();
    }
  }),
);
