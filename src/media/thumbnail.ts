/**
 * One picture of a media at a time, as a small JPEG (the web dashboard's thumbnail strips and segment
 * pairs). One ffmpeg per picture, under the decoder memory limit, a time limit and an output cap, and
 * a few at once per process: thumbnails are asked for by the dozen and must not crowd out the jobs.
 */
import { spawn } from 'node:child_process';
import { VdnaError } from '../errors.js';
import { decoderCommand, decoderCrash } from './ffmpeg.js';
import { Semaphore } from './semaphore.js';

export const THUMBNAIL_WIDTHS = { min: 32, max: 640 };
const TIMEOUT_MS = 15_000;
const MAX_BYTES = 2 << 20;
const decoders = new Semaphore(2);

function grab(path: string, seconds: number, width: number): Promise<Buffer> {
  // -ss before -i seeks to the keyframe before and decodes up to the time: fast, and exact.
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-ss', seconds.toFixed(3), '-i', path, '-map', '0:v:0', '-frames:v', '1',
    '-vf', `scale=${width}:-2`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'];
  const [command, commandArgs] = decoderCommand('ffmpeg', args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BYTES) child.kill('SIGKILL');
      else chunks.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const crash = decoderCrash(signal, stderr, path);
      if (crash) return reject(crash);
      if (signal === 'SIGKILL') return reject(new VdnaError('MEDIA_TIMEOUT', `no picture of the media within ${TIMEOUT_MS / 1000} s (or larger than ${MAX_BYTES} bytes)`));
      if (code !== 0 && /matches no streams|does not contain any stream/i.test(stderr)) {
        return reject(new VdnaError('NO_VIDEO_STREAM', 'the media has no picture'));
      }
      resolve(Buffer.concat(chunks));
    });
  });
}

/** A JPEG `width` pixels wide of the picture at `seconds` (the last picture if that is past the end). */
export function thumbnailAt(path: string, seconds: number, width: number): Promise<Buffer> {
  return decoders.run(async () => {
    const picture = await grab(path, seconds, width);
    if (picture.length > 0) return picture;
    // Past the end (a still picture, a time rounded up): the first picture says more than nothing.
    const first = seconds > 0 ? await grab(path, 0, width) : picture;
    if (first.length === 0) throw new VdnaError('CORRUPT_MEDIA', 'no picture could be decoded from the media');
    return first;
  });
}
