/**
 * The microphone's samples at the front-end's rate: a streaming band-limited resampler (windowed
 * sinc, Blackman window) for any pair of rates, e.g. a 48 kHz AudioContext to a 16 kHz model. The
 * low-pass sits at 90% of the lower Nyquist frequency, so decimating folds no audible alias into the
 * bands. Chunks in give the same samples out as one long push (the state carries the kernel's tail).
 */

/** Kernel zero crossings on each side of a sample (in output periods when decimating). */
const DEFAULT_HALF_TAPS = 16;
const CUTOFF = 0.9;

function blackman(x: number): number {
  // x in [-1, 1]
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

export class Resampler {
  /** Cutoff as a fraction of the input's Nyquist frequency. */
  private readonly fc: number;
  /** Half the kernel's width, in input samples. */
  private readonly halfWidth: number;
  /** Input not yet behind every future output's kernel; buffer[0] is input sample bufferStart. */
  private buffer = new Float32Array(0);
  private bufferStart = 0;
  /** Input samples seen. */
  private received = 0;
  /** Output samples made. */
  private produced = 0;

  constructor(
    readonly fromHz: number,
    readonly toHz: number,
    halfTaps = DEFAULT_HALF_TAPS,
  ) {
    if (!(fromHz > 0 && toHz > 0)) throw new RangeError(`sample rates ${fromHz} -> ${toHz} Hz`);
    this.fc = CUTOFF * Math.min(1, toHz / fromHz);
    this.halfWidth = halfTaps / this.fc;
  }

  /** Input position of output sample n (exact for integer rates). */
  private position(n: number): number {
    return (n * this.fromHz) / this.toHz;
  }

  /** Resamples the next chunk of a mono stream (floats, any scale); returns the outputs it completes. */
  push(input: Float32Array): Float32Array {
    const joined = new Float32Array(this.buffer.length + input.length);
    joined.set(this.buffer);
    joined.set(input, this.buffer.length);
    this.buffer = joined;
    this.received += input.length;
    const out: number[] = [];
    // An output is ready once its kernel's right edge has arrived.
    for (;;) {
      const p = this.position(this.produced);
      if (p + this.halfWidth >= this.received) break;
      out.push(this.sample(p));
      this.produced++;
    }
    // Keep what the next output's kernel still reaches.
    const keepFrom = Math.max(this.bufferStart, Math.floor(this.position(this.produced) - this.halfWidth));
    this.buffer = this.buffer.slice(keepFrom - this.bufferStart);
    this.bufferStart = keepFrom;
    return Float32Array.from(out);
  }

  private sample(p: number): number {
    const { fc, halfWidth } = this;
    let sum = 0;
    const first = Math.max(0, Math.ceil(p - halfWidth));
    const last = Math.floor(p + halfWidth);
    for (let i = first; i <= last; i++) {
      const x = p - i;
      const arg = Math.PI * fc * x;
      const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
      sum += (this.buffer[i - this.bufferStart] ?? 0) * fc * sinc * blackman(x / halfWidth);
    }
    return sum;
  }
}

/** Floats in [-1, 1] (Web Audio's scale) to 16-bit PCM, rounded and clipped. */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round((samples[i] ?? 0) * 32768)));
  }
  return out;
}
