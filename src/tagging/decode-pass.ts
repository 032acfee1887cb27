/**
 * The tagging job's one read of a file: a single ffmpeg child decodes it from the start (no input
 * seek: some files decode to garbage after one) and hands over, on two pipes, the video sampled at a
 * low rate as RGB pictures and, if asked, the audio as mono 16 kHz PCM for speech. Of the sampled
 * pictures only those that differ from the last one handed over reach the analysers (plus one every
 * heartbeat), so a long static shot costs its decoding and little else.
 */
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { VdnaError } from '../errors.js';
import { decodeTimeoutMs, decoderVerdict } from '../media/decode.js';
import { decoderCommand, decoderCrash, tools } from '../media/ffmpeg.js';
import { probe, type MediaInfo } from '../media/probe.js';
import type { Frame } from './types.js';

export interface DecodePassOptions {
  /** Longer side of the frames handed over, in pixels (default 960); smaller videos keep their size. */
  maxSide?: number;
  /** Pictures decoded per second of media (default 2): the finest time step of a change. */
  fps?: number;
  /** A picture is handed over when its change from the last one handed over exceeds this (default 8; see pictureChange). */
  changeThreshold?: number;
  /** A picture is handed over at least this often, changed or not (default 10 s). */
  heartbeatSeconds?: number;
  /** Also decode the audio as mono 16 kHz signed 16-bit PCM. */
  audio?: boolean;
  signal?: AbortSignal;
  /** Called with the media time reached, in seconds. */
  onProgress?: (seconds: number) => void;
  /** Receives each picture handed over; the next one waits (and ffmpeg with it) until this resolves. */
  onFrame(frame: Frame): Promise<void> | void;
}

export interface DecodePassResult {
  /** Seconds of media. */
  duration: number;
  framesDecoded: number;
  framesEmitted: number;
  /** Mono 16 kHz PCM, when audio was asked for and the file has an audio stream. */
  pcm?: Int16Array;
}

export const PCM_SAMPLE_RATE = 16_000;


export async function decodeForTagging(path: string, options: DecodePassOptions): Promise<DecodePassResult> {
  const opts = {
    ...options,
    maxSide: options.maxSide ?? 960,
    fps: options.fps ?? 2,
    changeThreshold: options.changeThreshold ?? 8,
    heartbeatSeconds: options.heartbeatSeconds ?? 10,
  };
  const info = await probe(path);
  const withAudio = opts.audio === true && info.audio !== undefined;
  if (!info.video && !withAudio) throw new VdnaError('NO_VIDEO_STREAM', `no video stream in ${path}`);

  const ffmpeg = startFfmpeg(ffmpegArgs(info, opts, withAudio), withAudio, opts.signal);
  const pcm = withAudio ? collectPcm(ffmpeg.pcm, info.audio?.duration ?? 0, info.video ? undefined : opts.onProgress) : undefined;
  pcm?.catch(() => undefined); // awaited after the exit
  // A hostile file gets bounded decoding time; the time spent in onFrame is the analysers', not ffmpeg's.
  const timeoutMs = decodeTimeoutMs(info.duration);
  let timedOut = false;
  const deadline = pausableTimer(timeoutMs, () => {
    timedOut = true;
    ffmpeg.child.kill('SIGKILL');
  });

  let framesDecoded = 0;
  let framesEmitted = 0;
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  let samples: Int16Array | undefined;
  try {
    const pictures = new PpmSplitter();
    const gate = new ChangeGate(opts.changeThreshold, opts.heartbeatSeconds);
    for await (const chunk of ffmpeg.pictures as AsyncIterable<Buffer>) {
      for (const picture of pictures.push(chunk)) {
        opts.signal?.throwIfAborted();
        const frame: Frame = { time: framesDecoded++ / opts.fps, ...picture };
        opts.onProgress?.(frame.time);
        if (!gate.admits(frame)) continue;
        framesEmitted++;
        deadline.pause();
        await opts.onFrame(frame);
        deadline.resume();
      }
    }
    exit = await ffmpeg.exit;
    samples = await pcm;
  } catch (err) {
    ffmpeg.child.kill('SIGKILL');
    throw err;
  } finally {
    deadline.pause();
  }

  if (timedOut) throw new VdnaError('MEDIA_TIMEOUT', `decoding ${path} took over ${(timeoutMs / 1000).toFixed(0)} s: stopped`);
  const crash = decoderCrash(exit.signal, ffmpeg.messages(), info.path);
  if (crash) throw crash;
  const decodedSeconds = info.video ? framesDecoded / opts.fps : (samples?.length ?? 0) / PCM_SAMPLE_RATE;
  const failure = decoderVerdict({
    path: info.path,
    what: 'pictures or sound',
    code: exit.code,
    stderr: ffmpeg.messages(),
    decodedSeconds,
    expectedSeconds: info.video?.duration || info.audio?.duration || info.duration,
    step: info.video ? 1 / opts.fps : 0,
  });
  if (failure) throw failure;
  return { duration: info.duration || decodedSeconds, framesDecoded, framesEmitted, ...(samples ? { pcm: samples } : {}) };
}

/** One ffmpeg child writing pictures to fd 1, its messages to fd 2 and (if asked) PCM to fd 3. */
function startFfmpeg(args: string[], withAudio: boolean, signal?: AbortSignal) {
  const child = spawn(...decoderCommand('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args]), {
    stdio: ['ignore', 'pipe', 'pipe', withAudio ? 'pipe' : 'ignore'],
    signal,
    killSignal: 'SIGKILL',
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', (err) =>
      reject((err as NodeJS.ErrnoException).code === 'ABORT_ERR' ? err : new VdnaError('FFMPEG_MISSING', `cannot run ffmpeg (${tools().ffmpeg.path}): ${err.message}`)),
    );
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  exit.catch(() => undefined); // awaited after the pictures are read
  const [pictures, messages, pcm] = [1, 2, 3].map((fd) => child.stdio[fd] as Readable);
  let text = '';
  messages.on('data', (chunk: Buffer) => {
    if (text.length < 1 << 16) text += chunk.toString();
  });
  return { child, exit, pictures, pcm, messages: () => text };
}

function ffmpegArgs(info: MediaInfo, opts: { maxSide: number; fps: number }, withAudio: boolean): string[] {
  // A still picture becomes a one-second clip of itself, as for fingerprinting.
  const args = [...(info.still ? ['-loop', '1', '-t', '1'] : []), '-i', info.path];
  if (info.video) {
    // PPM pictures carry their size, which may differ from the probed one (rotated phone videos turn upright).
    args.push('-map', `0:${info.video.index}`, '-an', '-sn', '-dn', '-vf', `fps=${opts.fps},${fitWithin(opts.maxSide)}`, '-c:v', 'ppm', '-f', 'image2pipe', 'pipe:1');
  }
  if (withAudio && info.audio) {
    args.push('-map', `0:${info.audio.index}`, '-vn', '-sn', '-dn', '-ac', '1', '-ar', String(PCM_SAMPLE_RATE), '-f', 's16le', 'pipe:3');
  }
  return args;
}

/** The ffmpeg filter that scales pictures down (never up) to `maxSide` pixels on their longer side, as RGB24. */
export function fitWithin(maxSide: number): string {
  return `scale=w='min(${maxSide},iw)':h='min(${maxSide},ih)':force_original_aspect_ratio=decrease:flags=area,format=rgb24`;
}

/** Seconds of PCM room reserved up front at most (115 MB); a longer track grows it. */
const MAX_PCM_RESERVE_SECONDS = 3600;

/**
 * Reads a PCM pipe to its end into one array of samples (little-endian, as every host Node runs on),
 * reserved from the announced duration so that the samples are not held twice.
 */
async function collectPcm(pipe: Readable, expectedSeconds: number, onProgress?: (seconds: number) => void): Promise<Int16Array> {
  const reserveSeconds = Math.min(expectedSeconds * 1.02, MAX_PCM_RESERVE_SECONDS);
  let bytes = new Uint8Array(2 * Math.ceil(reserveSeconds * PCM_SAMPLE_RATE) || 1 << 20);
  let length = 0;
  for await (const chunk of pipe as AsyncIterable<Buffer>) {
    if (length + chunk.length > bytes.length) {
      const grown = new Uint8Array(Math.max(2 * bytes.length, length + chunk.length));
      grown.set(bytes.subarray(0, length));
      bytes = grown;
    }
    bytes.set(chunk, length);
    length += chunk.length;
    onProgress?.(length / 2 / PCM_SAMPLE_RATE);
  }
  return new Int16Array(bytes.buffer, 0, length >> 1);
}

interface Picture {
  width: number;
  height: number;
  rgb: Buffer;
}

/** Splits ffmpeg's stream of binary PPM pictures ("P6 <width> <height> 255", one whitespace, the RGB bytes). */
export class PpmSplitter {
  private header = '';
  private current?: Picture & { filled: number };

  *push(chunk: Buffer): Generator<Picture> {
    let at = 0;
    while (at < chunk.length) {
      if (!this.current) {
        const before = this.header.length;
        this.header += chunk.toString('latin1', at, Math.min(chunk.length, at + 32));
        const match = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(this.header);
        if (!match) {
          if (this.header.length >= 32) throw new VdnaError('CORRUPT_MEDIA', 'ffmpeg sent a picture that is not PPM');
          at = chunk.length;
          continue;
        }
        at += match[0].length - before;
        this.header = '';
        const width = Number(match[1]);
        const height = Number(match[2]);
        this.current = { width, height, rgb: Buffer.allocUnsafe(width * height * 3), filled: 0 };
      }
      const picture = this.current;
      const take = Math.min(chunk.length - at, picture.rgb.length - picture.filled);
      chunk.copy(picture.rgb, picture.filled, at, at + take);
      picture.filled += take;
      at += take;
      if (picture.filled === picture.rgb.length) {
        this.current = undefined;
        yield { width: picture.width, height: picture.height, rgb: picture.rgb };
      }
    }
  }
}

/** Side of the grey grid pictures are compared on. */
const GRID = 16;
/** Every STEP-th pixel of every STEP-th row is read: cell averages need no more. */
const STEP = 2;

/**
 * How much a picture changed: the mean absolute difference (0..255) between the grey levels of two
 * GRID x GRID grids of cell averages. Averaging whole cells makes it blind to noise and grain.
 */
export function pictureChange(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** The GRID x GRID cell averages of a picture's grey levels (about a millisecond at 960x540). */
export function greyGrid({ width, height, rgb }: Picture): Float32Array {
  const sums = new Uint32Array(GRID * GRID);
  const counts = new Uint32Array(GRID * GRID);
  const columnCell = new Uint8Array(width);
  for (let x = 0; x < width; x += STEP) columnCell[x] = Math.floor((x * GRID) / width);
  for (let y = 0; y < height; y += STEP) {
    const row = Math.floor((y * GRID) / height) * GRID;
    for (let x = 0, p = y * width * 3; x < width; x += STEP, p += 3 * STEP) {
      const cell = row + columnCell[x];
      // Integer luma (BT.601 weights scaled by 256).
      sums[cell] += 77 * rgb[p] + 150 * rgb[p + 1] + 29 * rgb[p + 2];
      counts[cell]++;
    }
  }
  const grid = new Float32Array(GRID * GRID);
  for (let i = 0; i < grid.length; i++) grid[i] = counts[i] ? sums[i] / counts[i] / 256 : 0;
  return grid;
}

/** Lets through the first picture, any picture changed enough since the last one let through, and a heartbeat. */
class ChangeGate {
  private last?: { time: number; grid: Float32Array };

  constructor(
    private readonly threshold: number,
    private readonly heartbeatSeconds: number,
  ) {}

  admits(frame: Frame): boolean {
    const grid = greyGrid(frame);
    const last = this.last;
    if (last && frame.time - last.time < this.heartbeatSeconds && pictureChange(grid, last.grid) <= this.threshold) return false;
    this.last = { time: frame.time, grid };
    return true;
  }
}

/** A timer that stands still while paused. */
function pausableTimer(ms: number, onExpire: () => void): { pause(): void; resume(): void } {
  let left = ms;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  const resume = () => {
    since = Date.now();
    timer = setTimeout(onExpire, Math.max(0, left));
    timer.unref();
  };
  resume();
  return {
    pause() {
      if (!timer) return;
      clearTimeout(timer);
      timer = undefined;
      left -= Date.now() - since;
    },
    resume,
  };
}
