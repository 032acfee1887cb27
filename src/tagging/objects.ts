/**
 * COCO objects (80 labels: person, car, bird, bottle...) with the CenterNet model bundled in
 * @vladmandic/human, on the tfjs wasm backend (~0.2 s a frame). The model is small and weak: it sees a
 * 512x512 square, scores true objects low and wrong ones high, so only detections above a floor
 * measured per label are reported.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extraDir, hasExtra } from './extras.js';
import { VdnaError } from '../errors.js';
import type { DetectedObject, Frame, ObjectEngine } from './types.js';

/**
 * The lowest score reported, per label. Measured with bench/tagging-speed.ts on the 40 frames of
 * bench/data/object-labels.json (labelled by eye: people, cars, a bird, bottles, and 10 frames with no
 * COCO object), counting a label once per frame. A label truly seen there gets the lowest floor from
 * 0.3 up (the set is too small to vouch for lower ones) that keeps its precision >= 0.9 with at least
 * one correct report: person, car and bottle (their highest wrong scores: 0.16, none, 0.13). Every
 * other label gets the default, 0.05 above the highest wrong score seen: parked cars seen from above
 * taken for a "cell phone" at up to 0.73 (0.76 in a 1 fps scan of that clip), a jacket on grass for a
 * "sports ball" at 0.68. Birds get the default too: the cockatoo scores 0.15-0.25, as do wrong birds.
 * Frame-level precision on the set at these floors: 1.0, recall 0.71 (25 of 35 labels present).
 */
export const OBJECT_SCORE_FLOORS: Readonly<Record<string, number>> = { person: 0.3, car: 0.3, bottle: 0.3 };
export const DEFAULT_OBJECT_SCORE_FLOOR = 0.8;

export function objectScoreFloor(label: string): number {
  return OBJECT_SCORE_FLOORS[label] ?? DEFAULT_OBJECT_SCORE_FLOOR;
}

const HUMAN = '@vladmandic/human';
const WASM_BACKEND = '@tensorflow/tfjs-backend-wasm';

/** The few parts of human and its tfjs that are used here. */
interface Tensor {
  dispose(): void;
}
interface HumanObject {
  label: string;
  score: number;
  /** x, y, width, height in pixels of the input. */
  box: [number, number, number, number];
}
interface Human {
  tf: { tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor };
  load(): Promise<void>;
  /** `config` is merged into the instance's configuration. */
  detect(input: Tensor, config: object): Promise<{ object: HumanObject[] }>;
}
interface HumanModule {
  Human: new (config: object) => Human;
}

export interface ObjectEngineOptions {
  /** Report detections from this score on, whatever their label (default: objectScoreFloor); the bench lowers it to see them all. */
  minScore?: number;
  /** At most this many detections per frame (default 20). */
  maxDetected?: number;
}

/**
 * human keeps its loaded models in module-level state, so one instance serves the whole process; it is
 * created on first use and stays loaded. It runs one detection at a time (its input, configuration and
 * result are instance state), so all engines queue on it.
 */
let shared: Promise<Human> | undefined;
let queue: Promise<unknown> = Promise.resolve();

export async function createObjectEngine(options: ObjectEngineOptions = {}): Promise<ObjectEngine> {
  const human = await (shared ??= loadHuman().catch((err: unknown) => {
    shared = undefined;
    throw err;
  }));
  const { minScore } = options;
  const floor = minScore === undefined ? objectScoreFloor : () => minScore;
  const limits = { minConfidence: minScore ?? Math.min(...Object.values(OBJECT_SCORE_FLOORS)), maxDetected: options.maxDetected ?? 20 };
  let last: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    name: 'human-centernet',
    detect(frame: Frame): Promise<DetectedObject[]> {
      if (closed) return Promise.reject(new VdnaError('ANALYSER_UNAVAILABLE', 'the object engine is closed'));
      const run = queue.then(async () => (await detect(human, frame, limits)).filter((o) => o.score >= floor(o.label)));
      queue = last = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      await last;
    },
  };
}

/**
 * The model squashes its input to a square, which distorts wide frames; centred on a grey square the
 * frame keeps its shape (people scored 0.24-0.59 squashed and 0.59-0.75 so on the labelled set).
 */
function letterbox(frame: Frame): { rgb: Buffer; side: number; left: number; top: number } {
  const side = Math.max(frame.width, frame.height);
  const left = (side - frame.width) >> 1;
  const top = (side - frame.height) >> 1;
  const rgb = Buffer.alloc(side * side * 3, 114);
  const rowBytes = frame.width * 3;
  for (let y = 0; y < frame.height; y++) frame.rgb.copy(rgb, ((top + y) * side + left) * 3, y * rowBytes, (y + 1) * rowBytes);
  return { rgb, side, left, top };
}

async function detect(human: Human, frame: Frame, limits: { minConfidence: number; maxDetected: number }): Promise<DetectedObject[]> {
  const square = letterbox(frame);
  const input = human.tf.tensor3d(new Uint8Array(square.rgb.buffer, square.rgb.byteOffset, square.rgb.length), [square.side, square.side, 3], 'int32');
  try {
    const result = await human.detect(input, { object: limits });
    return result.object.map((o) => ({ label: o.label, score: o.score, box: frameBox(o.box, square, frame) }));
  } finally {
    input.dispose();
  }
}

/** A box on the letterboxed square, in pixels of the frame (clipped to it). */
function frameBox([x, y, width, height]: HumanObject['box'], square: { left: number; top: number }, frame: Frame): DetectedObject['box'] {
  const x0 = Math.max(0, x - square.left);
  const y0 = Math.max(0, y - square.top);
  const x1 = Math.min(frame.width, x - square.left + width);
  const y1 = Math.min(frame.height, y - square.top + height);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

async function loadHuman(): Promise<Human> {
  for (const name of [HUMAN, WASM_BACKEND]) {
    if (!hasExtra(name)) throw new VdnaError('ANALYSER_UNAVAILABLE', `the tagging part is not installed (${name} is missing): run \`npm run setup:tagging\``);
  }
  // By file: the package's exports map does not reach its node-wasm build.
  const { Human } = (await import(pathToFileURL(join(extraDir(HUMAN), 'dist', 'human.node-wasm.js')).href)) as HumanModule;
  const human = new Human({
    backend: 'wasm',
    wasmPath: join(extraDir(WASM_BACKEND), 'dist') + '/',
    modelBasePath: pathToFileURL(join(extraDir(HUMAN), 'models') + '/').href,
    debug: false,
    // Every frame is a new picture: never reuse a previous frame's result.
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, skipFrames: 0, skipTime: 0 },
  });
  await withFileFetch(() => human.load());
  return human;
}

/**
 * human loads its model files through the global fetch, which in Node cannot read file:// URLs. While
 * it loads, file:// URLs are served from disk; other URLs (none of human's: its model path is local)
 * go to the real fetch so the rest of the process is undisturbed.
 */
async function withFileFetch<T>(fn: () => Promise<T>): Promise<T> {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file:')) return realFetch(input, init);
    return new Response(await readFile(fileURLToPath(url)));
  }) as typeof fetch;
  try {
    return await fn();
  } finally {
    globalThis.fetch = realFetch;
  }
}
