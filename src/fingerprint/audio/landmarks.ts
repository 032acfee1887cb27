import { AUDIO_DEFAULTS } from '../../config.js';
import type { Peak } from './peaks.js';

/**
 * A landmark: an anchor peak paired with a later target peak. Kept unquantised on the query side, so
 * that speed variants can be hashed from it; a library keeps only (hash, t).
 */
export interface Landmarks {
  count: number;
  /** Anchor frame (fractional on a shifted analysis grid). */
  t: Float64Array;
  /** Anchor frequency, octaves above the band floor. */
  octave: Float32Array;
  /** Target minus anchor, in octaves. */
  dOctave: Float32Array;
  /** Target minus anchor, in frames (1..maxDt). */
  dt: Int32Array;
}

/**
 * Pairs each peak with the next `fanout` peaks within maxDt frames and maxOctaves (peaks sorted by
 * time); `frameOffset` places the peaks' grid on the unshifted one.
 */
export function pairPeaks(peaks: Peak[], p = AUDIO_DEFAULTS, frameOffset = 0): Landmarks {
  const t: number[] = [];
  const octave: number[] = [];
  const dOctave: number[] = [];
  const dt: number[] = [];
  for (let i = 0; i < peaks.length; i++) {
    const a = peaks[i];
    let paired = 0;
    for (let j = i + 1; j < peaks.length && paired < p.fanout; j++) {
      const b = peaks[j];
      const d = b.t - a.t;
      if (d < 1) continue;
      if (d > p.maxDt) break;
      if (Math.abs(b.octave - a.octave) > p.maxOctaves) continue;
      t.push(a.t + frameOffset);
      octave.push(a.octave);
      dOctave.push(b.octave - a.octave);
      dt.push(d);
      paired++;
    }
  }
  return { count: t.length, t: Float64Array.from(t), octave: Float32Array.from(octave), dOctave: Float32Array.from(dOctave), dt: Int32Array.from(dt) };
}

/** The landmarks of several analysis grids as one set. */
export function concatLandmarks(parts: Landmarks[]): Landmarks {
  if (parts.length === 1) return parts[0];
  const join = <T extends Float64Array | Float32Array | Int32Array>(pick: (l: Landmarks) => T, make: (n: number) => T): T => {
    const out = make(parts.reduce((a, l) => a + l.count, 0));
    let at = 0;
    for (const l of parts) {
      out.set(pick(l), at);
      at += l.count;
    }
    return out;
  };
  return {
    count: parts.reduce((a, l) => a + l.count, 0),
    t: join((l) => l.t, (n) => new Float64Array(n)),
    octave: join((l) => l.octave, (n) => new Float32Array(n)),
    dOctave: join((l) => l.dOctave, (n) => new Float32Array(n)),
    dt: join((l) => l.dt, (n) => new Int32Array(n)),
  };
}

const F1_BITS = 6;
const DF_BITS = 7;
const DT_BITS = 6;
export const HASH_BITS = F1_BITS + DF_BITS + DT_BITS;

/**
 * The 19-bit hash of a landmark: anchor frequency (1/16 octave), frequency difference (1/32 octave)
 * and time difference (frames). -1 when the landmark falls outside the hashable ranges.
 */
export function landmarkHash(octave: number, dOctave: number, dt: number, p = AUDIO_DEFAULTS): number {
  const f1 = Math.floor(octave * p.f1Steps);
  const df = Math.floor((dOctave + p.maxOctaves) * p.dfSteps);
  if (f1 < 0 || f1 >= 1 << F1_BITS || df < 0 || df >= 1 << DF_BITS || dt < 1 || dt >= 1 << DT_BITS) return -1;
  return (f1 << (DF_BITS + DT_BITS)) | (df << DT_BITS) | dt;
}

/**
 * How a query may differ from its master in speed: `speed` > 1 means the query plays faster (its
 * times are master times / speed); `pitch` says whether its frequencies moved too (a resampled copy)
 * or stayed (a tempo change).
 */
export interface SpeedVariant {
  speed: number;
  pitch: boolean;
}

export function speedVariants(speeds: number[]): SpeedVariant[] {
  return speeds.flatMap((speed) => (speed === 1 ? [{ speed, pitch: false }] : [{ speed, pitch: false }, { speed, pitch: true }]));
}

export interface HashedLandmarks {
  /** (hash, anchor frame on the master's time scale) pairs. */
  pairs: Uint32Array;
  /** The landmark each pair comes from (landmarks outside the hashable ranges are left out). */
  source: Uint32Array;
}

/** The landmarks hashed as they would read on the master's scale, under a speed variant. */
export function hashLandmarks(lm: Landmarks, v: SpeedVariant = { speed: 1, pitch: false }, p = AUDIO_DEFAULTS): HashedLandmarks {
  const pairs = new Uint32Array(lm.count * 2);
  const source = new Uint32Array(lm.count);
  const shift = v.pitch ? Math.log2(v.speed) : 0;
  let n = 0;
  for (let i = 0; i < lm.count; i++) {
    const h = landmarkHash(lm.octave[i] - shift, lm.dOctave[i], Math.round(lm.dt[i] * v.speed), p);
    if (h < 0) continue;
    pairs[2 * n] = h;
    pairs[2 * n + 1] = Math.round(lm.t[i] * v.speed);
    source[n++] = i;
  }
  return { pairs: pairs.subarray(0, 2 * n), source: source.subarray(0, n) };
}
