/** A spectral peak: frame index, frequency in octaves above the band's floor, and magnitude. */
export interface Peak {
  t: number;
  octave: number;
  mag: number;
}

export interface PeakOptions {
  /** Bins [minBin, maxBin) are searched. */
  minBin: number;
  maxBin: number;
  binHz: number;
  minHz: number;
  freqRadius: number;
  timeRadius: number;
  /** Magnitudes below this never make a peak (digital silence, dither). */
  floor: number;
}

/**
 * Finds local maxima of a magnitude spectrogram, frame by frame as frames arrive: a bin is a peak when
 * it is the largest within +-freqRadius bins and +-timeRadius frames, which is known timeRadius frames
 * later. Peak frequency is refined by a parabola through the log magnitudes of the bin and its
 * neighbours, then put on a log2 axis, where a speed change of the audio is a shift.
 */
export class PeakFinder {
  readonly peaks: Peak[] = [];
  /** The last 2 * timeRadius + 1 frames, and each one's max over the frequency neighbourhood. */
  private readonly frames: Float32Array[] = [];
  private readonly freqMax: Float32Array[] = [];
  private count = 0;

  constructor(private readonly o: PeakOptions) {}

  push(mags: Float32Array): void {
    const { minBin, maxBin, freqRadius } = this.o;
    const fmax = new Float32Array(mags.length);
    for (let k = minBin; k < maxBin; k++) {
      let m = 0;
      for (let j = Math.max(0, k - freqRadius); j <= Math.min(mags.length - 1, k + freqRadius); j++) if (mags[j] > m) m = mags[j];
      fmax[k] = m;
    }
    this.frames.push(mags);
    this.freqMax.push(fmax);
    this.count++;
    const span = 2 * this.o.timeRadius + 1;
    if (this.frames.length > span) {
      this.frames.shift();
      this.freqMax.shift();
    }
    this.examine(this.frames.length - 1 - this.o.timeRadius);
  }

  /** Examines the frames still waiting for their future neighbourhood (at the end of the stream). */
  finish(): void {
    for (let c = Math.max(0, this.frames.length - this.o.timeRadius); c < this.frames.length; c++) this.examine(c);
  }

  /** Looks for peaks in buffered frame `c` (an index into the buffer). */
  private examine(c: number): void {
    if (c < 0) return;
    const { minBin, maxBin, floor, binHz, minHz } = this.o;
    const frame = this.frames[c];
    const t = this.count - this.frames.length + c;
    for (let k = minBin; k < maxBin; k++) {
      const m = frame[k];
      if (m < floor || m < this.freqMax[c][k]) continue;
      let isPeak = true;
      for (let d = 0; d < this.freqMax.length && isPeak; d++) if (d !== c && this.freqMax[d][k] >= m) isPeak = false;
      if (!isPeak) continue;
      const a = Math.log(frame[k - 1] + 1e-12);
      const b = Math.log(m + 1e-12);
      const g = Math.log(frame[k + 1] + 1e-12);
      const denom = a - 2 * b + g;
      const delta = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - g)) / denom)) : 0;
      this.peaks.push({ t, octave: Math.log2(((k + delta) * binHz) / minHz), mag: m });
    }
  }
}

/** Keeps the strongest `perSecond` peaks of each second: density independent of loudness and noise level. */
export function strongestPeaks(peaks: Peak[], framesPerSecond: number, perSecond: number): Peak[] {
  const kept: Peak[] = [];
  const window = Math.round(framesPerSecond);
  let start = 0;
  while (start < peaks.length) {
    const second = Math.floor(peaks[start].t / window);
    let end = start;
    while (end < peaks.length && Math.floor(peaks[end].t / window) === second) end++;
    kept.push(...peaks.slice(start, end).sort((x, y) => y.mag - x.mag).slice(0, perSecond));
    start = end;
  }
  return kept.sort((x, y) => x.t - y.t || x.octave - y.octave);
}
