/**
 * Still pictures as Frames (registration photos, OCR pages) and the small picture operations the
 * analysers share: crop, quarter turns, and a JPEG encoding for face thumbnails. Decoding and encoding
 * go through ffmpeg, like every other media read in vdna.
 */
import { spawn } from 'node:child_process';
import { VdnaError } from '../errors.js';
import { decoderCommand } from '../media/ffmpeg.js';
import { probe } from '../media/probe.js';
import type { Box, Frame } from './types.js';

/** Larger pictures are scaled down to this many pixels on their longer side when read. */
const MAX_SIDE = 2048;

function run(args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(...decoderCommand('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args]), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()).length > 4000 && (err = err.slice(-4000)));
    child.on('error', (e) => reject(new VdnaError('FFMPEG_MISSING', `cannot run ffmpeg: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new VdnaError('CORRUPT_MEDIA', `cannot decode the picture: ${err.trim().split('\n').pop() ?? `ffmpeg exit ${code}`}`)),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The first picture of an image (or video) file, at most MAX_SIDE pixels on its longer side. */
export async function readImage(path: string): Promise<Frame> {
  const info = await probe(path);
  if (!info.video) throw new VdnaError('NO_VIDEO_STREAM', 'the file has no picture');
  const scale = Math.min(1, MAX_SIDE / Math.max(info.video.width, info.video.height));
  const width = Math.max(1, Math.round(info.video.width * scale));
  const height = Math.max(1, Math.round(info.video.height * scale));
  const rgb = await run(['-i', path, '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  if (rgb.length !== width * height * 3) throw new VdnaError('CORRUPT_MEDIA', 'the picture did not decode whole');
  return { time: 0, width, height, rgb };
}

/** The part of a frame inside a box (clipped to the frame). */
export function cropFrame(frame: Frame, box: Box): Frame {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(frame.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(frame.height, Math.ceil(box.y + box.height));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * frame.width + x0) * 3;
    frame.rgb.copy(rgb, y * width * 3, from, from + width * 3);
  }
  return { time: frame.time, width, height, rgb };
}

/** The frame turned clockwise by `quarters` quarter turns. */
export function rotateFrame(frame: Frame, quarters: number): Frame {
  const q = ((quarters % 4) + 4) % 4;
  if (q === 0) return frame;
  const { width: w, height: h } = frame;
  const [W, H] = q === 2 ? [w, h] : [h, w];
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [nx, ny] = q === 1 ? [h - 1 - y, x] : q === 2 ? [w - 1 - x, h - 1 - y] : [y, w - 1 - x];
      frame.rgb.copy(rgb, (ny * W + nx) * 3, (y * w + x) * 3, (y * w + x) * 3 + 3);
    }
  }
  return { time: frame.time, width: W, height: H, rgb };
}

/** A JPEG of the frame, scaled to at most `maxSide` pixels on its longer side (face thumbnails). */
export function encodeJpeg(frame: Frame, maxSide = 160): Promise<Buffer> {
  const scale = Math.min(1, maxSide / Math.max(frame.width, frame.height));
  const width = Math.max(1, Math.round(frame.width * scale));
  const height = Math.max(1, Math.round(frame.height * scale));
  return run(
    ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${frame.width}x${frame.height}`, '-i', 'pipe:0', '-vf', `scale=${width}:${height}`, '-frames:v', '1', '-q:v', '4', '-f', 'mjpeg', 'pipe:1'],
    frame.rgb,
  );
}
