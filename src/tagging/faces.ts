/**
 * Faces with @vladmandic/face-api from the optional tagging part: the SSD MobileNet v1 detector (it
 * finds the small and turned faces the tiny detector misses), the 68-point landmarks that align each
 * face, and the recognition net's 128-number descriptor. It runs on TensorFlow.js's WebAssembly backend
 * (tfjs-node has no build here); the weights and the .wasm files are read from the installed packages,
 * never fetched.
 *
 * The models are process-wide (face-api keeps its nets in module singletons): every engine shares
 * them, and the last engine closed frees them.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VdnaError } from '../errors.js';
import { extraDir, hasExtra, loadExtra } from './extras.js';
import type { Box, FaceEngine, Frame, FoundFace } from './types.js';

/** What we use of @tensorflow/tfjs. */
interface Tfjs {
  tensor3d(values: Uint8Array | Float32Array, shape: [number, number, number], dtype: 'int32' | 'float32'): Tensor;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  ready(): Promise<void>;
}
interface Tensor {
  dispose(): void;
}

/** What we use of @tensorflow/tfjs-backend-wasm. */
interface TfjsWasm {
  setWasmPaths(prefix: string): void;
}

const NETS = ['ssdMobilenetv1', 'faceLandmark68Net', 'faceRecognitionNet'] as const;
type NetName = (typeof NETS)[number];

/** What we use of face-api's node-wasm build (it requires the same @tensorflow/tfjs we load). */
interface FaceApi {
  nets: Record<NetName, FaceApiNet>;
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults: number }) => unknown;
  detectAllFaces(input: Tensor, options: unknown): { withFaceLandmarks(): Promise<FaceApiResult[]> };
}
interface FaceApiNet {
  loadFromDisk(folder: string): Promise<void>;
  dispose(): void;
  /** On the recognition net: one 150x150 face in, 128 numbers out. */
  computeFaceDescriptor(input: Tensor): Promise<Float32Array>;
}
interface FaceApiResult {
  detection: { score: number; box: Box };
  landmarks: { positions: Point[] };
}
interface Point {
  x: number;
  y: number;
}

export interface FaceEngineOptions {
  /** Detections below this SSD score are dropped (face-api's own default). */
  minConfidence?: number;
  /** At most this many faces per frame, the best-scored. */
  maxFaces?: number;
}

interface Models {
  tf: Tfjs;
  faceapi: FaceApi;
}

let models: Promise<Models> | undefined;
let openEngines = 0;

/** The node-wasm build, by file: the package's main build needs tfjs-node, and loadExtra takes package names only. */
async function loadFaceApi(): Promise<FaceApi> {
  if (!hasExtra('@vladmandic/face-api')) await loadExtra('@vladmandic/face-api'); // throws the install hint
  return (await import(pathToFileURL(join(extraDir('@vladmandic/face-api'), 'dist', 'face-api.node-wasm.js')).href)) as FaceApi;
}

async function loadModels(): Promise<Models> {
  const tf = await loadExtra<Tfjs>('@tensorflow/tfjs');
  const wasm = await loadExtra<TfjsWasm>('@tensorflow/tfjs-backend-wasm');
  if (tf.getBackend() !== 'wasm') {
    // A folder path, so Emscripten reads the binaries from disk (a URL prefix would be fetched).
    wasm.setWasmPaths(join(extraDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/');
    if (!(await tf.setBackend('wasm'))) throw new VdnaError('ANALYSER_UNAVAILABLE', 'the TensorFlow.js WebAssembly backend did not start');
  }
  await tf.ready();
  const faceapi = await loadFaceApi();
  const folder = join(extraDir('@vladmandic/face-api'), 'model');
  for (const net of NETS) await faceapi.nets[net].loadFromDisk(folder);
  return { tf, faceapi };
}

/**
 * dlib's face chip, which the recognition net (a port of dlib's) was trained on: the face turned
 * upright and scaled so that its landmarks fall on dlib's mean face shape, 150 pixels square with a
 * quarter of padding. face-api only crops the landmarks' box, which loses tilted faces.
 */
const CHIP_SIZE = 150;
const CHIP_PADDING = 0.25;
/** dlib's mean positions (0..1) of landmarks 17..67; get_face_chip_details uses them without the eyebrows and lower lip. */
const MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127, 0.490127,
  0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647,
  0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159,
  0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352, 0.307009,
  0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077,
  0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233,
  0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];
const CHIP_LANDMARKS = [...Array(68).keys()].filter((i) => i >= 27 && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67));

/**
 * The similarity (turn, scale, shift) that best maps `from` onto `to`, least squares:
 * x' = a·x − b·y + dx, y' = b·x + a·y + dy.
 */
function similarity(from: Point[], to: Point[]) {
  const mean = (ps: Point[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length });
  const f = mean(from);
  const t = mean(to);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  from.forEach((p, i) => {
    const [px, py, qx, qy] = [p.x - f.x, p.y - f.y, to[i].x - t.x, to[i].y - t.y];
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  });
  const [a, b] = [dot / norm, cross / norm];
  return { a, b, dx: t.x - a * f.x + b * f.y, dy: t.y - b * f.x - a * f.y };
}

/** The face's chip (RGB, 0..255 floats): bilinear samples, several per chip pixel when the face is larger than the chip. */
function faceChip(frame: Frame, landmarks: Point[]): Float32Array {
  const { a, b, dx, dy } = similarity(
    CHIP_LANDMARKS.map((i) => ({
      x: ((CHIP_PADDING + MEAN_FACE_X[i - 17]) / (2 * CHIP_PADDING + 1)) * CHIP_SIZE,
      y: ((CHIP_PADDING + MEAN_FACE_Y[i - 17]) / (2 * CHIP_PADDING + 1)) * CHIP_SIZE,
    })),
    CHIP_LANDMARKS.map((i) => landmarks[i]),
  );
  const samples = Math.min(4, Math.max(1, Math.ceil(Math.hypot(a, b)))); // per side, against aliasing
  const { width, height, rgb } = frame;
  const at = (x: number, y: number, c: number) => rgb[(Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 3 + c];
  const chip = new Float32Array(CHIP_SIZE * CHIP_SIZE * 3);
  for (let cy = 0; cy < CHIP_SIZE; cy++) {
    for (let cx = 0; cx < CHIP_SIZE; cx++) {
      const out = (cy * CHIP_SIZE + cx) * 3;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = cx - 0.5 + (sx + 0.5) / samples;
          const v = cy - 0.5 + (sy + 0.5) / samples;
          const x = a * u - b * v + dx;
          const y = b * u + a * v + dy;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          for (let c = 0; c < 3; c++) {
            const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
            const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
            chip[out + c] += top * (1 - fy) + bottom * fy;
          }
        }
      }
      for (let c = 0; c < 3; c++) chip[out + c] /= samples * samples;
    }
  }
  return chip;
}

function clip(box: Box, frame: Frame): Box {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return {
    x,
    y,
    width: Math.max(0, Math.min(frame.width, box.x + box.width) - x),
    height: Math.max(0, Math.min(frame.height, box.y + box.height) - y),
  };
}

export async function createFaceEngine(options: FaceEngineOptions = {}): Promise<FaceEngine> {
  openEngines++; // before waiting, so that another engine closing meanwhile keeps the models
  let loaded: Models;
  try {
    loaded = await (models ??= loadModels());
  } catch (e) {
    openEngines--;
    models = undefined;
    throw e;
  }
  const { tf, faceapi } = loaded;
  const detectorOptions = new faceapi.SsdMobilenetv1Options({
    minConfidence: options.minConfidence ?? 0.5,
    maxResults: options.maxFaces ?? 100,
  });
  let closed = false;

  return {
    name: 'face-api-ssd-mobilenetv1',
    async detect(frame: Frame): Promise<FoundFace[]> {
      if (closed) throw new Error('the face engine is closed');
      const image = tf.tensor3d(frame.rgb, [frame.height, frame.width, 3], 'int32');
      let found: FaceApiResult[];
      try {
        found = await faceapi.detectAllFaces(image, detectorOptions).withFaceLandmarks();
      } finally {
        image.dispose();
      }
      const faces: FoundFace[] = [];
      for (const f of found) {
        const chip = tf.tensor3d(faceChip(frame, f.landmarks.positions), [CHIP_SIZE, CHIP_SIZE, 3], 'float32');
        try {
          const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(chip);
          faces.push({ box: clip(f.detection.box, frame), score: f.detection.score, descriptor });
        } finally {
          chip.dispose();
        }
      }
      return faces;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (--openEngines > 0) return;
      for (const net of NETS) faceapi.nets[net].dispose();
      models = undefined;
    },
  };
}
