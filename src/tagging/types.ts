/**
 * The smart-tagging analysers' shared vocabulary. Each analyser sits behind one small interface, so a
 * better engine (another OCR, whisper.cpp for speech) replaces one file. Times are in seconds here;
 * the job's result turns them into the clouds' millisecond strings.
 */
import { VdnaError } from '../errors.js';

/** The analysers a tagging run can ask for. */
export const ANALYSERS = ['ocr', 'asr', 'face', 'object'] as const;
export type AnalyserName = (typeof ANALYSERS)[number];

/** The analysers a client asks for: a list or comma-separated text; all when none is named. */
export function parseAnalysers(value: unknown): AnalyserName[] {
  if (value === undefined || value === null || value === '') return [...ANALYSERS];
  const list: unknown[] | undefined = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!list || list.some((t) => typeof t !== 'string')) throw new VdnaError('INVALID_ARGUMENT', `Types must be a list of ${ANALYSERS.join(', ')}`);
  const types = [...new Set((list as string[]).map((t) => t.trim().toLowerCase()).filter(Boolean))];
  const unknown = types.find((t) => !(ANALYSERS as readonly string[]).includes(t));
  if (unknown !== undefined || types.length === 0) throw new VdnaError('INVALID_ARGUMENT', `unknown analyser "${unknown ?? ''}": use ${ANALYSERS.join(', ')}`);
  return types as AnalyserName[];
}

/** One decoded picture: packed RGB24, row after row. */
export interface Frame {
  /** Seconds from the start of the media. */
  time: number;
  width: number;
  height: number;
  rgb: Buffer;
}

/** An axis-aligned box in pixels of the frame it was found in. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TextLine {
  text: string;
  box: Box;
  /** 0..1 */
  score: number;
}

/** Text shown or said over a time range (an OCR caption, a sentence of speech). */
export interface TimedText {
  text: string;
  start: number;
  end: number;
}

export interface OcrEngine {
  readonly name: string;
  read(frame: Frame): Promise<TextLine[]>;
  close(): Promise<void>;
}

export interface FoundFace {
  box: Box;
  score: number;
  /** The recognition embedding (128 numbers for face-api); faces of one person lie close. */
  descriptor: Float32Array;
}

export interface FaceEngine {
  readonly name: string;
  detect(frame: Frame): Promise<FoundFace[]>;
  close(): Promise<void>;
}

export interface SpokenWord {
  word: string;
  start: number;
  end: number;
}

export interface SpeechEngine {
  readonly name: string;
  /** Words with their times, from a mono 16 kHz signed 16-bit PCM signal. */
  transcribe(pcm: Int16Array, signal?: AbortSignal): Promise<SpokenWord[]>;
  close(): Promise<void>;
}

export interface DetectedObject {
  label: string;
  score: number;
  box: Box;
}

export interface ObjectEngine {
  readonly name: string;
  detect(frame: Frame): Promise<DetectedObject[]>;
  close(): Promise<void>;
}
