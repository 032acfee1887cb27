/**
 * The smart-tagging analysers' shared vocabulary. Each analyser sits behind one small interface, so a
 * better engine (another OCR, whisper.cpp for speech) replaces one file. Times are in seconds here;
 * the job's result turns them into the clouds' millisecond strings.
 */

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
