import FFT from 'fft.js';

/**
 * A streaming magnitude spectrogram: Hann-windowed frames of `fftSize` samples every `hop` samples.
 * Blocks of `hop` samples go in; one frame of fftSize / 2 magnitudes comes out per block once the
 * window is full.
 */
export class Spectrogram {
  private readonly fft: FFT;
  private readonly window: Float32Array;
  private readonly ring: Float32Array;
  private readonly input: number[];
  private readonly out: number[];
  private filled = 0;

  constructor(
    readonly fftSize: number,
    readonly hop: number,
  ) {
    this.fft = new FFT(fftSize);
    this.window = Float32Array.from({ length: fftSize }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / fftSize));
    this.ring = new Float32Array(fftSize);
    this.input = new Array(fftSize).fill(0);
    this.out = this.fft.createComplexArray();
  }

  /** Adds `hop` samples; returns the magnitudes of the frame that ends with them, if the window is full. */
  push(block: Float32Array): Float32Array | undefined {
    this.ring.copyWithin(0, this.hop);
    this.ring.set(block, this.fftSize - this.hop);
    this.filled = Math.min(this.fftSize, this.filled + this.hop);
    if (this.filled < this.fftSize) return undefined;
    for (let i = 0; i < this.fftSize; i++) this.input[i] = this.ring[i] * this.window[i];
    this.fft.realTransform(this.out, this.input);
    const mags = new Float32Array(this.fftSize / 2);
    for (let k = 0; k < mags.length; k++) mags[k] = Math.hypot(this.out[2 * k], this.out[2 * k + 1]);
    return mags;
  }
}
