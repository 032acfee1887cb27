import { AUDIO_DEFAULTS } from '../../config.js';
import { VdnaError } from '../../errors.js';
import { decodeAudio } from '../../media/decode-audio.js';
import type { MediaInfo } from '../../media/probe.js';
import { hashLandmarks, pairPeaks, type Landmarks } from './landmarks.js';
import { PeakFinder, strongestPeaks } from './peaks.js';
import { Spectrogram } from './spectrogram.js';

/** A recording's audio DNA: landmarks over spectrogram frames of hop / sampleRate seconds. */
export interface AudioFingerprint {
  /** Spectrogram frames per second. */
  frameRate: number;
  /** Seconds of audio decoded. */
  duration: number;
  landmarks: Landmarks;
}

export interface AudioFingerprintOptions {
  onProgress?: (seconds: number, total: number) => void;
  signal?: AbortSignal;
}

/** Magnitude below which a bin is silence (a full-scale sine gives ~fftSize / 4). */
const SILENCE = 1e-3;

/** Fingerprints the first audio stream of a probed file. */
export async function fingerprintAudio(info: MediaInfo, opts: AudioFingerprintOptions = {}, p = AUDIO_DEFAULTS): Promise<AudioFingerprint> {
  if (!info.audio) throw new VdnaError('NO_AUDIO_STREAM', `no audio stream in ${info.path}`);
  const spec = new Spectrogram(p.fftSize, p.hop);
  const binHz = p.sampleRate / p.fftSize;
  const finder = new PeakFinder({
    minBin: Math.max(1, Math.ceil(p.minHz / binHz)),
    maxBin: Math.min(p.fftSize / 2 - 1, Math.floor(p.maxHz / binHz)),
    binHz,
    minHz: p.minHz,
    freqRadius: p.peakFreqRadius,
    timeRadius: p.peakTimeRadius,
    floor: SILENCE,
  });
  const total = info.audio.duration || info.duration;
  const duration = await decodeAudio(
    info,
    { sampleRate: p.sampleRate, blockSamples: p.hop, signal: opts.signal, onProgress: (s) => opts.onProgress?.(s, total) },
    (block) => {
      const mags = spec.push(block);
      if (mags) finder.push(mags);
    },
  );
  finder.finish();
  const frameRate = p.sampleRate / p.hop;
  return { frameRate, duration, landmarks: pairPeaks(strongestPeaks(finder.peaks, frameRate, p.peaksPerSecond), p) };
}

/** What a library stores of an audio fingerprint: (hash, frame) pairs. */
export function libraryLandmarks(fp: AudioFingerprint): Uint32Array {
  return hashLandmarks(fp.landmarks).pairs;
}
