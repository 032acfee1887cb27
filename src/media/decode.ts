import { spawn } from 'node:child_process';
import { VdnaError } from '../errors.js';
import { tools } from './ffmpeg.js';
import type { MediaInfo } from './probe.js';

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
 * One ffmpeg child per file, decoding from the start (no input seek: some files decode to garbage
 * after one), sampling with `fps` before `scale`. Every frame is decoded in full: skipping
 * non-reference frames shifts which source frame a sample shows and skipping the loop filter leaves
 * block edges in low-bitrate copies; both cost more accuracy (median frame distance 2 -> 6 bits on a
 * CRF 35 re-encode) than the ~2x decode speed they buy.
 * Library and query must sample identically, so this is the only frame reader in vdna.
 */
export function sampleFrames(info: MediaInfo, opts: SampleOptions, sink: FrameSink): Promise<SampledFrames> {
  const video = info.video;
  if (!video) return Promise.reject(new VdnaError('NO_VIDEO_STREAM', `no video stream in ${info.path}`));
  const frameBytes = opts.size * opts.size;
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-threads', String(opts.threads ?? 0),
    '-i', info.path,
    '-map', `0:${video.index}`, '-an', '-sn', '-dn',
    '-vf', `fps=${opts.fps},scale=${opts.size}:${opts.size}:flags=area,format=gray`,
    '-f', 'rawvideo', 'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(tools().ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    let pending: Buffer = Buffer.alloc(0);
    let count = 0;
    let lastReport = -1;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (pending.length - at >= frameBytes) {
        sink(new Uint8Array(pending.subarray(at, at + frameBytes)), count++);
        at += frameBytes;
      }
      pending = pending.subarray(at);
      const seconds = count / opts.fps;
      if (opts.onProgress && seconds - lastReport >= 1) {
        lastReport = seconds;
        opts.onProgress(seconds);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 1 << 16) stderr += chunk.toString();
    });
    child.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ABORT_ERR') reject(err);
      else reject(new VdnaError('FFMPEG_MISSING', `cannot run ffmpeg (${tools().ffmpeg.path}): ${err.message}`));
    });
    child.on('close', (code) => {
      const errorLines = stderr.split('\n').filter((l) => l.trim() !== '');
      const lastError = errorLines[errorLines.length - 1] ?? '';
      if (code !== 0 && count === 0) {
        reject(new VdnaError('CORRUPT_MEDIA', `cannot decode ${info.path}: ${lastError || `ffmpeg exited with ${code}`}`));
        return;
      }
      if (count === 0) {
        reject(new VdnaError('CORRUPT_MEDIA', `no decodable video frames in ${info.path}`));
        return;
      }
      if (errorLines.length > MAX_DECODE_ERRORS) {
        reject(new VdnaError('CORRUPT_MEDIA', `${errorLines.length} decode errors in ${info.path} (last: ${lastError})`));
        return;
      }
      const expected = video.duration || info.duration;
      const decoded = count / opts.fps;
      if (expected > 0 && decoded < expected * MIN_COVERAGE - 1 / opts.fps) {
        reject(
          new VdnaError('TRUNCATED_MEDIA', `${info.path} is truncated or damaged: decoded ${decoded.toFixed(1)} s of ${expected.toFixed(1)} s`),
        );
        return;
      }
      opts.onProgress?.(decoded);
      resolve({ fps: opts.fps, size: opts.size, count });
    });
  });
}
