/**
 * node dist/bench/tagging-ocr.js — OCR accuracy and speed: every picture of the corpus's ocr/ folder
 * (character error rate where the text is known), and the seconds per 640x360 video frame, for a
 * frame with a burnt-in subtitle and for a text-dense screencast frame. Needs the tagging part.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tools } from '../src/media/ffmpeg.js';
import { readImage } from '../src/tagging/image.js';
import { createOcrEngine, type PaddleOcrEngine } from '../src/tagging/ocr.js';
import { characterErrorRate } from '../src/tagging/text-metrics.js';
import type { Frame } from '../src/tagging/types.js';
import { MEDIA } from './paths.js';

const OCR_DIR = join(MEDIA, 'ocr');

/** The text of opencv_imageTextN.png (and of its rotated copy), transcribed by eye. */
const OPENCV_PARAGRAPH = `technical details are too complex to cover in the book itself.
In teaching our courses, we have found it useful for the students to attempt a number of
small implementation projects, which often build on one another, in order to get them used to
working with real-world images and the challenges that these present. The students are then
asked to choose an individual topic for each of their small-group, final projects. (Sometimes
these projects even turn into conference papers!) The exercises at the end of each chapter
contain numerous suggestions for smaller mid-term projects, as well as more open-ended
problems whose solutions are still active research topics. Wherever possible, I encourage
students to try their algorithms on their own personal photographs, since this better motivates
them, often leads to creative variants on the problems, and better acquaints them with the
variety and complexity of real-world imagery.
In formulating and solving computer vision problems, I have often found it useful to draw
inspiration from three high-level approaches:`;

/** The known text of a picture in the corpus's ocr/ folder: its .txt beside it, or a transcription. */
export function groundTruth(file: string): string | undefined {
  if (file.startsWith('opencv_imageText')) return OPENCV_PARAGRAPH;
  const txt = join(OCR_DIR, file.replace(/\.[^.]+$/, '.txt'));
  return existsSync(txt) ? readFileSync(txt, 'utf8') : undefined;
}

/** A font file for burning captions in, when the machine has a known one (else ffmpeg asks fontconfig). */
const FONT = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'].find(existsSync);

/** An ffmpeg drawtext filter: a white subtitle with a dark outline, centred near the bottom, shown from `start` to `end` seconds. */
export function captionFilter(text: string, start = 0, end = 1e9): string {
  const font = FONT ? `fontfile=${FONT}:` : '';
  return `drawtext=${font}text='${text}':fontsize=28:fontcolor=white:borderw=2:x=(w-tw)/2:y=h-60:enable='between(t,${start},${end})'`;
}

/** Frames of a video sampled `fps` times a second, scaled to `width`x`height`, after the optional filters. */
export function videoFrames(path: string, options: { fps: number; width: number; height: number; filters?: string[] }): Frame[] {
  const { fps, width, height, filters = [] } = options;
  const vf = [...filters, `fps=${fps}`, `scale=${width}:${height}`].join(',');
  const raw = execFileSync(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const size = width * height * 3;
  return Array.from({ length: Math.floor(raw.length / size) }, (_, i) => ({ time: i / fps, width, height, rgb: raw.subarray(i * size, (i + 1) * size) }));
}

/** Wall-clock seconds, and CPU seconds of the whole process (onnxruntime's threads included): on a shared machine the second is the steadier figure. */
interface Cost {
  seconds: number;
  cpuSeconds: number;
}

async function measure<T>(work: () => Promise<T>): Promise<[T, Cost]> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return [result, { seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }];
}

const mean = (costs: Cost[]): Cost => ({
  seconds: costs.reduce((sum, c) => sum + c.seconds, 0) / costs.length,
  cpuSeconds: costs.reduce((sum, c) => sum + c.cpuSeconds, 0) / costs.length,
});

export interface ImageResult {
  file: string;
  width: number;
  height: number;
  lines: number;
  cer?: number;
  read: Cost;
  mayHaveText: boolean;
  precheck: Cost;
}

export interface FrameTiming {
  kind: string;
  frames: number;
  /** Mean cost of `read` per frame. */
  read: Cost;
  /** Mean cost of `mayHaveText` per frame. */
  precheck: Cost;
}

async function timeFrames(engine: PaddleOcrEngine, kind: string, frames: Frame[]): Promise<FrameTiming> {
  const reads: Cost[] = [];
  const prechecks: Cost[] = [];
  for (const frame of frames) {
    prechecks.push((await measure(() => engine.mayHaveText(frame)))[1]);
    reads.push((await measure(() => engine.read(frame)))[1]);
  }
  return { kind, frames: frames.length, read: mean(reads), precheck: mean(prechecks) };
}

export async function benchOcr(): Promise<{ engine: string; load: Cost; images: ImageResult[]; videoFrames: FrameTiming[] }> {
  const [engine, load] = await measure(createOcrEngine);
  try {
    const images: ImageResult[] = [];
    for (const file of readdirSync(OCR_DIR).filter((f) => !f.endsWith('.txt')).sort()) {
      const frame = await readImage(join(OCR_DIR, file));
      const [mayHaveText, precheck] = await measure(() => engine.mayHaveText(frame));
      const [lines, read] = await measure(() => engine.read(frame));
      const truth = groundTruth(file);
      const cer = truth === undefined ? undefined : characterErrorRate(truth, lines.map((l) => l.text).join('\n'));
      images.push({ file, width: frame.width, height: frame.height, lines: lines.length, cer, read, mayHaveText, precheck });
    }
    const size = { width: 640, height: 360 };
    const subtitled = videoFrames(join(MEDIA, 'video', 'zwm_tears_of_steel_10s.mp4'), { fps: 1, ...size, filters: [captionFilter('Nobody will ever know what happened here')] });
    const screencast = videoFrames(join(MEDIA, 'video', 'gnomehelp_display-dual-monitors.webm'), { fps: 1 / 8, ...size });
    const timings = [await timeFrames(engine, 'film + subtitle', subtitled), await timeFrames(engine, 'screencast (dense UI text)', screencast)];
    return { engine: engine.name, load, images, videoFrames: timings };
  } finally {
    await engine.close();
  }
}

const costColumns = (label: string, cost: Cost) => ({ [`${label} s`]: cost.seconds.toFixed(2), [`${label} cpu s`]: cost.cpuSeconds.toFixed(2) });

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchOcr();
  console.log(`${result.engine}, loaded in ${result.load.seconds.toFixed(1)} s`);
  console.table(
    result.images.map((r) => ({
      file: r.file,
      size: `${r.width}x${r.height}`,
      lines: r.lines,
      'CER %': r.cer === undefined ? '' : (r.cer * 100).toFixed(2),
      ...costColumns('read', r.read),
      mayHaveText: r.mayHaveText,
      ...costColumns('check', r.precheck),
    })),
  );
  console.log('640x360 video frames, mean per frame:');
  console.table(result.videoFrames.map((t) => ({ frames: t.kind, count: t.frames, ...costColumns('read', t.read), ...costColumns('check', t.precheck) })));
}
