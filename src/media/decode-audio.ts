import { VdnaError } from '../errors.js';
import { decoderInput, frameOutput, runDecoder, type DecoderOutput, type FrameSink, type SampledFrames, type SampleOptions } from './decode.js';
import type { MediaInfo } from './probe.js';

export interface AudioDecodeOptions {
  sampleRate: number;
  /** Samples per block handed to the sink. */
  blockSamples: number;
  onProgress?: (seconds: number) => void;
  signal?: AbortSignal;
}

/** Receives each block of mono samples. */
export type AudioSink = (block: Float32Array) => void;

/**
 * The first audio stream, downmixed to mono and resampled, as float blocks (the last partial block
 * is dropped). One ffmpeg child, decoding from the start like the video reader. Resolves with the
 * seconds handed over.
 */
export async function decodeAudio(info: MediaInfo, opts: AudioDecodeOptions, sink: AudioSink): Promise<number> {
  if (!info.audio) throw new VdnaError('NO_AUDIO_STREAM', `no audio stream in ${info.path}`);
  const [blocks] = await runDecoder(info, ['-i', info.path], [audioOutput(info, opts, sink)], { signal: opts.signal });
  return (blocks * opts.blockSamples) / opts.sampleRate;
}

/**
 * Containers whose timestamps ffmpeg keeps whichever of their streams it decodes. In the others (MPEG
 * program and transport streams, Ogg...) it shifts them to the start of the streams it decodes and
 * across discontinuities, so a picture decoded beside its sound would be sampled at other instants
 * than alone, and its fingerprint would differ.
 */
const STREAM_INDEPENDENT_FORMATS = new Set(['mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'avi']);

/** Whether decodeFramesAndAudio gives a file's frames and sound exactly as sampleFrames and decodeAudio do apart. */
export function decodableTogether(info: MediaInfo): boolean {
  return info.video !== undefined && info.audio !== undefined && !info.still && STREAM_INDEPENDENT_FORMATS.has(info.format);
}

/**
 * The sampled frames of sampleFrames and the sound of decodeAudio from one ffmpeg child, which reads
 * and demuxes the file once; for a file decodableTogether accepts. The frames' threads and signal
 * govern the child. Resolves with the frames and the seconds of sound.
 */
export async function decodeFramesAndAudio(
  info: MediaInfo,
  frames: SampleOptions,
  frameSink: FrameSink,
  audio: Omit<AudioDecodeOptions, 'signal'>,
  audioSink: AudioSink,
): Promise<{ frames: SampledFrames; audioSeconds: number }> {
  if (!decodableTogether(info)) throw new Error(`${info.path} cannot be decoded in one pass`);
  const outputs = [frameOutput(info, frames, frameSink), audioOutput(info, audio, audioSink)];
  const [count, blocks] = await runDecoder(info, decoderInput(info, frames.threads), outputs, { signal: frames.signal });
  return { frames: { fps: frames.fps, size: frames.size, count }, audioSeconds: (blocks * audio.blockSamples) / audio.sampleRate };
}

/** The first audio stream as mono float samples, as one output of a decoder. */
function audioOutput(info: MediaInfo, opts: Omit<AudioDecodeOptions, 'signal'>, sink: AudioSink): DecoderOutput {
  const audio = info.audio!;
  return {
    args: ['-map', `0:${audio.index}`, '-vn', '-sn', '-dn', '-ac', '1', '-ar', String(opts.sampleRate), '-f', 'f32le'],
    what: 'audio',
    unitBytes: opts.blockSamples * 4,
    unitsPerSecond: opts.sampleRate / opts.blockSamples,
    expectedSeconds: audio.duration || info.duration,
    onProgress: opts.onProgress,
    sink: (unit) => {
      // Copy: the unit may sit at any byte offset of ffmpeg's chunk.
      const block = new Float32Array(opts.blockSamples);
      for (let i = 0; i < block.length; i++) block[i] = unit.readFloatLE(i * 4);
      sink(block);
    },
  };
}
