import { VdnaError } from '../errors.js';
import { runDecoder } from './decode.js';
import type { MediaInfo } from './probe.js';

export interface AudioDecodeOptions {
  sampleRate: number;
  /** Samples per block handed to the sink. */
  blockSamples: number;
  onProgress?: (seconds: number) => void;
  signal?: AbortSignal;
}

/**
 * The first audio stream, downmixed to mono and resampled, as float blocks (the last partial block
 * is dropped). One ffmpeg child, decoding from the start like the video reader.
 */
export async function decodeAudio(info: MediaInfo, opts: AudioDecodeOptions, sink: (block: Float32Array) => void): Promise<number> {
  const audio = info.audio;
  if (!audio) throw new VdnaError('NO_AUDIO_STREAM', `no audio stream in ${info.path}`);
  const args = ['-i', info.path, '-map', `0:${audio.index}`, '-vn', '-sn', '-dn', '-ac', '1', '-ar', String(opts.sampleRate), '-f', 'f32le', 'pipe:1'];
  const blocks = await runDecoder(
    info,
    args,
    {
      what: 'audio',
      unitBytes: opts.blockSamples * 4,
      unitsPerSecond: opts.sampleRate / opts.blockSamples,
      expectedSeconds: audio.duration || info.duration,
      onProgress: opts.onProgress,
      signal: opts.signal,
    },
    (unit) => {
      // Copy: the unit may sit at any byte offset of ffmpeg's chunk.
      const block = new Float32Array(opts.blockSamples);
      for (let i = 0; i < block.length; i++) block[i] = unit.readFloatLE(i * 4);
      sink(block);
    },
  );
  return (blocks * opts.blockSamples) / opts.sampleRate;
}
