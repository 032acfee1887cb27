/**
 * node dist/bench/tagging-speed.js
 *
 * (a) The tagging decode pass alone (one ffmpeg child, 2 fps RGB pictures, change gate; no analyser) in
 *     x realtime on two 720p clips, with the frames handed over against those decoded. Beside it,
 *     ffmpeg alone decoding and scaling the same way into /dev/null, and ffmpeg gating by its own scene
 *     score instead (select=gt(scene,...), scored against the previous picture, not the last kept one).
 * (b) The object engine on the frames labelled by eye in bench/data/object-labels.json: frame-level
 *     precision and recall (a label counts once per frame) with one floor for all labels and with the
 *     per-label floors in use, the floors the rule of objects.ts gives, and seconds per frame.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import { decodeForTagging, fitWithin, PpmSplitter } from '../src/tagging/decode-pass.js';
import { createObjectEngine, DEFAULT_OBJECT_SCORE_FLOOR, OBJECT_SCORE_FLOORS, objectScoreFloor } from '../src/tagging/objects.js';
import type { DetectedObject, Frame } from '../src/tagging/types.js';
import { MEDIA, ROOT } from './paths.js';

const run = promisify(execFile);
const DECODE_CLIPS = ['moviepy_big_buck_bunny_0_30.webm', 'imageio_cockatoo.mp4'];
const MAX_SIDE = 960;
const FPS = 2;

export interface DecodePassSpeed {
  clip: string;
  seconds: number;
  /** Media seconds per wall second of the decode pass. */
  xRealtime: number;
  /** The same for ffmpeg alone decoding and scaling the same way into /dev/null. */
  ffmpegAloneXRealtime: number;
  /** The same for ffmpeg alone keeping only pictures its scene score finds changed. */
  sceneSelectXRealtime: number;
  framesDecoded: number;
  framesEmitted: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

function ffmpegAlone(path: string, filters: string): Promise<void> {
  return new Promise((done, fail) => {
    // -vsync 0: pictures a select drops are not made up again.
    const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-an', '-vf', filters, '-vsync', '0', '-f', 'rawvideo', '-y', '/dev/null'];
    const child = spawn(tools().ffmpeg.path, args, { stdio: 'ignore' });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`ffmpeg exited with ${code}`))));
  });
}

export async function benchDecodePass(): Promise<DecodePassSpeed[]> {
  const rows: DecodePassSpeed[] = [];
  for (const clip of DECODE_CLIPS) {
    const path = join(MEDIA, 'video', clip);
    const { duration } = await probe(path);
    const alone = await timed(() => ffmpegAlone(path, `fps=${FPS},${fitWithin(MAX_SIDE)}`));
    const scene = await timed(() => ffmpegAlone(path, `fps=${FPS},select='eq(n,0)+gt(scene,0.1)',${fitWithin(MAX_SIDE)}`));
    const pass = await timed(() => decodeForTagging(path, { maxSide: MAX_SIDE, fps: FPS, onFrame: () => undefined }));
    rows.push({
      clip,
      seconds: pass.seconds,
      xRealtime: duration / pass.seconds,
      ffmpegAloneXRealtime: duration / alone.seconds,
      sceneSelectXRealtime: duration / scene.seconds,
      framesDecoded: pass.value.framesDecoded,
      framesEmitted: pass.value.framesEmitted,
    });
  }
  return rows;
}

interface LabelledFrame {
  clip: string;
  time: number;
  labels: string[];
  ambiguous?: string[];
}

/** The picture at `time` of a clip, decoded from the start and scaled as the decode pass does. */
async function frameAt(path: string, time: number): Promise<Frame> {
  const args = ['-v', 'error', '-i', path, '-ss', String(time), '-frames:v', '1', '-vf', fitWithin(MAX_SIDE), '-c:v', 'ppm', '-f', 'image2pipe', 'pipe:1'];
  const { stdout } = await run(tools().ffmpeg.path, args, { encoding: 'buffer', maxBuffer: 64 << 20 });
  const [picture] = new PpmSplitter().push(stdout);
  if (!picture) throw new Error(`no picture at ${time} s of ${path}`);
  return { time, ...picture };
}

interface Tally {
  correct: number;
  reported: number;
  present: number;
}

const precision = (t: Tally) => (t.reported ? t.correct / t.reported : 1);
const recall = (t: Tally) => (t.present ? t.correct / t.present : 1);

/**
 * Frame-level tags: a label is reported once on a frame if a detection reaches its floor. Reports of a
 * frame's ambiguous labels count neither way.
 */
function tally(frames: LabelledFrame[], detections: DetectedObject[][], floor: (label: string) => number, only?: string): Tally {
  const t: Tally = { correct: 0, reported: 0, present: 0 };
  frames.forEach((frame, i) => {
    const reported = new Set(detections[i].filter((d) => d.score >= floor(d.label)).map((d) => d.label));
    for (const label of frame.labels) if (!only || label === only) t.present++;
    for (const label of reported) {
      if (only && label !== only) continue;
      if (frame.labels.includes(label)) t.correct++;
      if (!frame.ambiguous?.includes(label)) t.reported++;
    }
  });
  return t;
}

/** Floors tried, from the lowest the set can vouch for. */
const FLOOR_STEPS = Array.from({ length: 14 }, (_, i) => Math.round((0.3 + i * 0.05) * 100) / 100);
const TARGET_PRECISION = 0.9;
/** How far above the highest wrong score the floor of labels not measured sits. */
const DEFAULT_MARGIN = 0.05;

/** The floors rule of objects.ts (OBJECT_SCORE_FLOORS) applied to the set, to check the constants against. */
function suggestFloors(frames: LabelledFrame[], detections: DetectedObject[][]): { byLabel: Record<string, number>; fallback: number } {
  const byLabel: Record<string, number> = {};
  for (const label of new Set(frames.flatMap((f) => f.labels))) {
    const floor = FLOOR_STEPS.find((f) => {
      const t = tally(frames, detections, () => f, label);
      return t.correct > 0 && precision(t) >= TARGET_PRECISION;
    });
    if (floor !== undefined) byLabel[label] = floor;
  }
  const wrong = frames.flatMap((f, i) => detections[i].filter((d) => !f.labels.includes(d.label) && !f.ambiguous?.includes(d.label)).map((d) => d.score));
  const highestWrong = Math.max(0, ...wrong);
  return { byLabel, fallback: FLOOR_STEPS.find((f) => f >= highestWrong + DEFAULT_MARGIN - 1e-9) ?? 1 };
}

export interface ObjectBench {
  frames: number;
  secondsPerFrame: number;
  /** At the floors in use. */
  precision: number;
  recall: number;
  suggested: { byLabel: Record<string, number>; fallback: number };
  /** One floor for every label, for comparison. */
  sweep: Array<{ floor: number; precision: number; recall: number }>;
  perLabel: Array<{ label: string; floor: number; present: number; reported: number; correct: number }>;
}

export async function benchObjects(): Promise<ObjectBench> {
  const { frames } = JSON.parse(readFileSync(join(ROOT, 'bench', 'data', 'object-labels.json'), 'utf8')) as { frames: LabelledFrame[] };
  const engine = await createObjectEngine({ minScore: 0.1 });
  const detections: DetectedObject[][] = [];
  let detectSeconds = 0;
  for (const labelled of frames) {
    const frame = await frameAt(join(MEDIA, labelled.clip), labelled.time);
    const { value, seconds } = await timed(() => engine.detect(frame));
    detections.push(value);
    detectSeconds += seconds;
  }
  await engine.close();
  const sweep = FLOOR_STEPS.map((floor) => {
    const t = tally(frames, detections, () => floor);
    return { floor, precision: precision(t), recall: recall(t) };
  });
  const inUse = tally(frames, detections, objectScoreFloor);
  const labels = [...new Set([...frames.flatMap((f) => f.labels), ...detections.flat().filter((d) => d.score >= objectScoreFloor(d.label)).map((d) => d.label)])];
  return {
    frames: frames.length,
    secondsPerFrame: detectSeconds / frames.length,
    precision: precision(inUse),
    recall: recall(inUse),
    suggested: suggestFloors(frames, detections),
    sweep,
    perLabel: labels.sort().map((label) => ({ label, floor: objectScoreFloor(label), ...tally(frames, detections, objectScoreFloor, label) })),
  };
}

async function main(): Promise<void> {
  console.log(`## (a) decode pass alone (${FPS} fps, longer side <= ${MAX_SIDE}), x realtime\n`);
  console.log('clip                              ffmpeg alone  ffmpeg scene gate  decode pass  frames emitted/decoded');
  for (const r of await benchDecodePass()) {
    const x = (v: number) => v.toFixed(1);
    console.log(`${r.clip.padEnd(34)}${x(r.ffmpegAloneXRealtime).padStart(12)}${x(r.sceneSelectXRealtime).padStart(19)}${x(r.xRealtime).padStart(13)}  ${r.framesEmitted}/${r.framesDecoded}`);
  }
  const o = await benchObjects();
  console.log(`\n## (b) objects on ${o.frames} labelled frames: ${o.secondsPerFrame.toFixed(2)} s per frame\n`);
  console.log('one floor for all labels:\nfloor  precision  recall');
  for (const s of o.sweep) console.log(`${s.floor.toFixed(2).padStart(5)}${s.precision.toFixed(2).padStart(11)}${s.recall.toFixed(2).padStart(8)}`);
  console.log(`\nfloors in use (${JSON.stringify(OBJECT_SCORE_FLOORS)}, others ${DEFAULT_OBJECT_SCORE_FLOOR}): precision ${o.precision.toFixed(2)}, recall ${o.recall.toFixed(2)}`);
  console.log(`floors the rule gives on this set: ${JSON.stringify(o.suggested.byLabel)}, others ${o.suggested.fallback}\n`);
  console.log('label            floor  present  reported  correct');
  for (const l of o.perLabel) {
    console.log(`${l.label.padEnd(17)}${l.floor.toFixed(2).padStart(5)}${String(l.present).padStart(9)}${String(l.reported).padStart(10)}${String(l.correct).padStart(9)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
