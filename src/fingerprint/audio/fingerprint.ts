import { AUDIO_DEFAULTS } from '../../config.js';
import { VdnaError } from '../../errors.js';
import { decodeAudio, type AudioDecodeOptions, type AudioSink } from '../../media/decode-audio.js';
import type { MediaInfo } from '../../media/probe.js';
import { concatLandmarks, hashLandmarks, pairPeaks } from './landmarks.js';
import { PeakFinder, strongestPeaks } from './peaks.js';
import { Spectrogram } from './spectrogram.js';
import type { Landmarks } from './landmarks.js';

/** A recording's audio DNA: landmarks over spectrogram frames of hop / sampleRate seconds. */
export interface AudioFingerprint {
  /** Spectrogram frames per second. */
  frameRate: number;
  /** Seconds of audio decoded. */
  duration: number;
  landmarks: Landmarks;
}

export interface AudioFingerprintOptions {
  /**
   * Spectrogram grids to analyse, offset by hop / shifts samples each. Landmarks depend on where the
   * analysis frames fall; a copy cut at an arbitrary sample falls between the library's frames, so a
   * query is analysed on several grids (as audfprint does) and the library on one. More than one
   * grid marks a query, which also keeps more peaks per second (queryPeaksPerSecond).
   */
  shifts?: number;
  onProgress?: (seconds: number, total: number) => void;
  signal?: AbortSignal;
}

/** Magnitude below which a bin is silence (a full-scale sine gives ~fftSize / 4). */
const SILENCE = 1e-3;

/** One analysis grid: samples skipped at the start, then hop-sized blocks into a spectrogram and a peak finder. */
class Grid {
  private readonly spec: Spectrogram;
  readonly finder: PeakFinder;
  private readonly block: Float32Array;
  private filled = 0;
  private toSkip: number;

  constructor(
    readonly offset: number,
    p: typeof AUDIO_DEFAULTS,
  ) {
    this.spec = new Spectrogram(p.fftSize, p.hop);
    const binHz = p.sampleRate / p.fftSize;
    this.finder = new PeakFinder({
      minBin: Math.max(1, Math.ceil(p.minHz / binHz)),
      maxBin: Math.min(p.fftSize / 2 - 1, Math.floor(p.maxHz / binHz)),
      binHz,
      minHz: p.minHz,
      freqRadius: p.peakFreqRadius,
      timeRadius: p.peakTimeRadius,
      floor: SILENCE,
    });
    this.block = new Float32Array(p.hop);
    this.toSkip = offset;
  }

  push(samples: Float32Array): void {
    for (let i = 0; i < samples.length; i++) {
      if (this.toSkip > 0) {
        this.toSkip--;
        continue;
      }
      this.block[this.filled++] = samples[i];
      if (this.filled === this.block.length) {
        this.filled = 0;
        const mags = this.spec.push(this.block);
        if (mags) this.finder.push(mags);
      }
    }
  }
}

/**
 * A sound fingerprint in the making: the decoding it needs, a sink that analyses the blocks as they
 * arrive, and the fingerprint once the decoder says how many seconds it handed over.
 */
export interface SoundFingerprinter {
  decoding: AudioDecodeOptions;
  sink: AudioSink;
  end(decodedSeconds: number): AudioFingerprint;
}

export function soundFingerprinter(info: MediaInfo, opts: AudioFingerprintOptions = {}, p = AUDIO_DEFAULTS): SoundFingerprinter {
  const shifts = opts.shifts ?? 1;
  const grids = Array.from({ length: shifts }, (_, i) => new Grid(Math.round((i * p.hop) / shifts), p));
  const total = info.audio?.duration || info.duration;
  return {
    decoding: { sampleRate: p.sampleRate, blockSamples: p.hop, signal: opts.signal, onProgress: (s) => opts.onProgress?.(s, total) },
    sink: (block) => grids.forEach((g) => g.push(block)),
    end(duration) {
      const frameRate = p.sampleRate / p.hop;
      const parts = grids.map((g) => {
        g.finder.finish();
        const perSecond = shifts > 1 ? p.queryPeaksPerSecond : p.peaksPerSecond;
        return pairPeaks(strongestPeaks(g.finder.peaks, frameRate, perSecond), p, g.offset / p.hop);
      });
      return { frameRate, duration, landmarks: concatLandmarks(parts) };
    },
  };
}

/** Fingerprints the first audio stream of a probed file. */
export async function fingerprintAudio(info: MediaInfo, opts: AudioFingerprintOptions = {}, p = AUDIO_DEFAULTS): Promise<AudioFingerprint> {
  if (!info.audio) throw new VdnaError('NO_AUDIO_STREAM', `no audio stream in ${info.path}`);
  const fingerprinter = soundFingerprinter(info, opts, p);
  return fingerprinter.end(await decodeAudio(info, fingerprinter.decoding, fingerprinter.sink));
}

/** What a library stores of an audio fingerprint: (hash, frame) pairs. */
export function libraryLandmarks(fp: AudioFingerprint): Uint32Array {
  return hashLandmarks(fp.landmarks).pairs;
}
