import type { Readable } from 'node:stream';
import { VdnaError } from '../errors.js';
import { decoderCommand, decoderCrash, tools } from './ffmpeg.js';
import type { MediaInfo } from './probe.js';
import { startChild } from './spawn-host.js';

export interface SampleOptions {
  /** Sampled frames per second. */
  fps: number;
  /** Side of the square grey thumbnail per frame. */
  size: number;
  /** ffmpeg decoder threads (0 = ffmpeg decides); 1 is the fastest per core when several files decode in parallel. */
  threads?: number;
  /** Called with the media time reached, in seconds. */
  onProgress?: (seconds: number) => void;
  signal?: AbortSignal;
}

/** Grey thumbnails sampled at a fixed rate: frame k shows media time k / fps. */
export interface SampledFrames {
  fps: number;
  size: number;
  count: number;
}

/** Receives each sampled frame (size * size grey bytes, row after row) with its index. */
export type FrameSink = (frame: Uint8Array, index: number) => void;

/** Decoder errors tolerated before a file counts as corrupt (real files carry the odd broken packet). */
const MAX_DECODE_ERRORS = 20;
/** Share of the announced duration that must decode, or the file counts as truncated. */
const MIN_COVERAGE = 0.9;

/**
 * One ffmpeg child per file (which may decode its sound too: see decodeFramesAndAudio), decoding
 * from the start (no input seek: some files decode to garbage after one), sampling with `fps` before
 * `scale`. Every frame is decoded in full: skipping non-reference frames shifts which source frame a
 * sample shows and skipping the loop filter leaves block edges in low-bitrate copies; both cost more
 * accuracy (median frame distance 2 -> 6 bits on a CRF 35 re-encode) than the ~2x decode speed they
 * buy. Library and query must sample identically, so frameOutput is the only frame sampler in vdna.
 */
export function sampleFrames(info: MediaInfo, opts: SampleOptions, sink: FrameSink): Promise<SampledFrames> {
  if (!info.video) return Promise.reject(new VdnaError('NO_VIDEO_STREAM', `no video stream in ${info.path}`));
  if (info.still) return sampleStill(info, opts, sink);
  return runDecoder(info, decoderInput(info, opts.threads), [frameOutput(info, opts, sink)], { signal: opts.signal }).then(([count]) => ({
    fps: opts.fps,
    size: opts.size,
    count,
  }));
}

/** The input side of a decoder command: the file, with the decoder threads (0 = ffmpeg decides). */
export function decoderInput(info: MediaInfo, threads = 0): string[] {
  return ['-threads', String(threads), '-i', info.path];
}

/** The sampled grey thumbnails of a (moving) picture, as one output of a decoder (see sampleFrames). */
export function frameOutput(info: MediaInfo, opts: SampleOptions, sink: FrameSink): DecoderOutput {
  const video = info.video!;
  return {
    args: [
      '-map', `0:${video.index}`, '-an', '-sn', '-dn',
      '-vf', `fps=${opts.fps},scale=${opts.size}:${opts.size}:flags=area,format=gray`,
      '-f', 'rawvideo',
    ],
    what: 'video frames',
    unitBytes: opts.size * opts.size,
    unitsPerSecond: opts.fps,
    expectedSeconds: video.duration || info.duration,
    onProgress: opts.onProgress,
    sink: (bytes, index) => sink(new Uint8Array(bytes), index),
  };
}

/**
 * A still picture becomes a one-second clip of itself: decoded once, its frame repeated `fps` times.
 * Not with ffmpeg's `-loop 1`: a picture that never decodes (a truncated PNG) is then re-read without
 * end, its parser buffer growing to gigabytes until the decode timeout.
 */
async function sampleStill(info: MediaInfo, opts: SampleOptions, sink: FrameSink): Promise<SampledFrames> {
  let picture: Uint8Array | undefined;
  const output: DecoderOutput = {
    args: [
      '-map', `0:${info.video!.index}`, '-an', '-sn', '-dn', '-frames:v', '1',
      '-vf', `scale=${opts.size}:${opts.size}:flags=area,format=gray`,
      '-f', 'rawvideo',
    ],
    what: 'picture',
    unitBytes: opts.size * opts.size,
    unitsPerSecond: 1,
    expectedSeconds: 0,
    sink: (bytes) => {
      picture = new Uint8Array(bytes);
    },
  };
  await runDecoder(info, decoderInput(info, opts.threads), [output], { signal: opts.signal });
  for (let i = 0; i < opts.fps; i++) sink(new Uint8Array(picture!), i);
  opts.onProgress?.(1);
  return { fps: opts.fps, size: opts.size, count: opts.fps };
}

/** The time a decode may take: two minutes, plus the media's announced duration (decoding runs ~8-16x realtime here). */
export function decodeTimeoutMs(expectedSeconds: number): number {
  return (120 + Math.max(0, expectedSeconds)) * 1000;
}

/** One raw stream a decoder writes to a pipe of its own, handed over in whole units and judged alone. */
export interface DecoderOutput {
  /** ffmpeg's output options for it (stream, filters, raw format), without the pipe. */
  args: string[];
  /** What the units are, for messages ("video frames"). */
  what: string;
  /** Bytes per unit (a frame, a block of samples); units are handed over whole. */
  unitBytes: number;
  unitsPerSecond: number;
  /** Seconds the container announces (0: unknown), to tell a truncated file. */
  expectedSeconds: number;
  onProgress?: (seconds: number) => void;
  sink: (unit: Buffer, index: number) => void;
}

export interface DecoderLimits {
  /** The decode is stopped past this many milliseconds (default: decodeTimeoutMs of the longest announced duration). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface DecoderEnd {
  path: string;
  /** What was decoded, for messages ("video frames"). */
  what: string;
  code: number | null;
  stderr: string;
  decodedSeconds: number;
  /** Seconds the container announces (0: unknown). */
  expectedSeconds: number;
  /** The decoding step in seconds: coverage is judged to within one. */
  step: number;
}

/** How an ffmpeg decode ended, for every frame reader: corrupt, truncated, or good (undefined). */
export function decoderVerdict(end: DecoderEnd): VdnaError | undefined {
  const errorLines = end.stderr.split('\n').filter((l) => l.trim() !== '');
  // The last error a reader can use: not ffmpeg's "Last message repeated" notice, no decoder address.
  const lastError = (errorLines.filter((l) => !/^\s*Last message repeated/.test(l)).pop() ?? '').replace(/ @ 0x[0-9a-f]+\]/g, ']').trim();
  if (end.code !== 0 && end.decodedSeconds === 0) {
    return new VdnaError('CORRUPT_MEDIA', `cannot decode ${end.path}: ${lastError || `ffmpeg exited with ${end.code}`}`);
  }
  if (end.decodedSeconds === 0) return new VdnaError('CORRUPT_MEDIA', `no decodable ${end.what} in ${end.path}`);
  if (errorLines.length > MAX_DECODE_ERRORS) {
    return new VdnaError('CORRUPT_MEDIA', `${errorLines.length} decode errors in ${end.path} (last: ${lastError})`);
  }
  if (end.expectedSeconds > 0 && end.decodedSeconds < end.expectedSeconds * MIN_COVERAGE - end.step) {
    return new VdnaError('TRUNCATED_MEDIA', `${end.path} is truncated or damaged: decoded ${end.decodedSeconds.toFixed(1)} s of ${end.expectedSeconds.toFixed(1)} s`);
  }
  return undefined;
}

/**
 * Runs one ffmpeg child with the `input` arguments and one pipe per output (the first on fd 1, the
 * next on fd 3, 4...), hands each output's raw bytes to its sink in whole units, and tells corrupt and
 * truncated media apart from good media, output by output (ffmpeg's messages and exit are shared).
 * Resolves with each output's unit count.
 */
export function runDecoder(info: MediaInfo, input: string[], outputs: DecoderOutput[], limits: DecoderLimits = {}): Promise<number[]> {
  const fds = outputs.map((_, i) => (i === 0 ? 1 : i + 2));
  const args = [...input, ...outputs.flatMap((output, i) => [...output.args, `pipe:${fds[i]}`])];
  return new Promise((resolve, reject) => {
    const child = startChild(...decoderCommand('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args]), {
      pipes: 2 + outputs.length - 1,
      signal: limits.signal,
      // Aborted (a cancelled job, a shutdown): nothing of ffmpeg's output is wanted, and a decoder stuck
      // in a hostile file may not heed SIGTERM.
      killSignal: 'SIGKILL',
    });
    // A decode that takes far longer than the media could need is stopped: hostile files cost bounded time.
    const timeoutMs = limits.timeoutMs ?? decodeTimeoutMs(Math.max(...outputs.map((o) => o.expectedSeconds)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    timer.unref();
    // Every pipe flows at once: ffmpeg writes its outputs in turn, so one left unread would stall them all.
    const counts = outputs.map((output, i) => readUnits(child.stdio[fds[i]] as Readable, output));
    let stderr = '';
    (child.stdio[2] as Readable).on('data', (chunk: Buffer) => {
      if (stderr.length < 1 << 16) stderr += chunk.toString();
    });
    child.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ABORT_ERR') reject(err);
      else reject(new VdnaError('FFMPEG_MISSING', `cannot run ffmpeg (${tools().ffmpeg.path}): ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new VdnaError('MEDIA_TIMEOUT', `decoding ${info.path} took over ${(timeoutMs / 1000).toFixed(0)} s: stopped`));
        return;
      }
      const crash = decoderCrash(signal, stderr, info.path);
      if (crash) return reject(crash);
      const units = counts.map((count) => count());
      const seconds = outputs.map((output, i) => units[i] / output.unitsPerSecond);
      const failure = outputs
        .map((output, i) => decoderVerdict({ path: info.path, what: output.what, code, stderr, decodedSeconds: seconds[i], expectedSeconds: output.expectedSeconds, step: 1 / output.unitsPerSecond }))
        .find((verdict) => verdict !== undefined);
      if (failure) return reject(failure);
      outputs.forEach((output, i) => output.onProgress?.(seconds[i]));
      resolve(units);
    });
  });
}

/** Cuts a pipe's bytes into the output's units as they arrive; returns the count of units so far. */
function readUnits(pipe: Readable, output: DecoderOutput): () => number {
  let pending: Buffer = Buffer.alloc(0);
  let count = 0;
  let lastReport = -1;
  pipe.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (pending.length - at >= output.unitBytes) {
      output.sink(pending.subarray(at, at + output.unitBytes), count++);
      at += output.unitBytes;
    }
    pending = pending.subarray(at);
    const seconds = count / output.unitsPerSecond;
    if (output.onProgress && seconds - lastReport >= 1) {
      lastReport = seconds;
      output.onProgress(seconds);
    }
  });
  return () => count;
}
