/**
 * Speech recognition offline with CMU pocketsphinx (Debian's `pocketsphinx` + `pocketsphinx-en-us`),
 * run through its command-line decoder, as no Node binding exists. `pocketsphinx_batch` decoding
 * whole utterances made half the word errors of `pocketsphinx_continuous` on the JFK clip (23 %
 * against 54 %), whose own voice detection cuts words apart; so the signal is cut here, at its
 * pauses, into utterances of at most MAX_UTTERANCE_SECONDS, and each is decoded whole.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VdnaError } from '../errors.js';
import type { SpeechEngine, SpokenWord } from './types.js';

export const SAMPLE_RATE = 16000;
const DECODER = 'pocketsphinx_batch';
/** Where Debian (and a source install) put the US English model. */
const MODEL_DIRS = ['/usr/share/pocketsphinx/model/en-us', '/usr/local/share/pocketsphinx/model/en-us'];
/** 10 ms frames: pocketsphinx's default feature rate (its segmentations count them), and the energy frames here. */
const FRAMES_PER_SECOND = 100;
/**
 * The language model's weight against the acoustic model's. 6.5 (the default), 7 and 8 were within
 * two words of each other on the corpus speech (JFK clip 18/18/23 %, sonnet 73/72/74 % word errors);
 * 7 was best or tied on both.
 */
const LANGUAGE_WEIGHT = 7;

const run = promisify(execFile);

interface Decoder {
  binary: string;
  modelDir: string;
}

async function findDecoder(): Promise<Decoder | { reason: string }> {
  const binary = await run('sh', ['-c', `command -v ${DECODER}`]).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  if (!binary) return { reason: `${DECODER} is not installed (Debian: apt-get install pocketsphinx pocketsphinx-en-us, or npm run setup:tagging)` };
  const modelDir = MODEL_DIRS.find((dir) => existsSync(join(dir, 'en-us', 'mdef')) && existsSync(join(dir, 'en-us.lm.bin')));
  if (!modelDir) return { reason: `the US English pocketsphinx model is not installed (Debian: apt-get install pocketsphinx-en-us)` };
  return { binary, modelDir };
}

/** The Debian package version, when dpkg knows it (pocketsphinx_batch has no version flag). */
async function packageVersion(): Promise<string | undefined> {
  return run('dpkg-query', ['-W', '-f', '${Version}', 'pocketsphinx']).then(
    (r) => r.stdout.trim() || undefined,
    () => undefined,
  );
}

export interface SpeechEngineStatus {
  available: boolean;
  engine: string;
  version?: string;
  reason?: string;
}

/** Whether speech can be recognised here, for `vdna doctor` and for jobs that report ASR as unavailable. */
export async function speechEngineStatus(): Promise<SpeechEngineStatus> {
  const found = await findDecoder();
  if ('reason' in found) return { available: false, engine: 'pocketsphinx', reason: found.reason };
  return { available: true, engine: 'pocketsphinx', version: await packageVersion() };
}

export async function createSpeechEngine(): Promise<SpeechEngine> {
  const found = await findDecoder();
  if ('reason' in found) throw new VdnaError('ANALYSER_UNAVAILABLE', `speech recognition is unavailable: ${found.reason}`);
  return {
    name: 'pocketsphinx',
    transcribe: (pcm, signal) => transcribe(found, pcm, signal),
    close: async () => undefined,
  };
}

async function transcribe(decoder: Decoder, pcm: Int16Array, signal?: AbortSignal): Promise<SpokenWord[]> {
  signal?.throwIfAborted();
  const utterances = findUtterances(pcm);
  if (utterances.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'vdna-speech-'));
  try {
    const ids = utterances.map((_, i) => `u${String(i).padStart(5, '0')}`);
    for (const [i, u] of utterances.entries()) {
      const samples = pcm.subarray(u.start, u.end);
      await writeFile(join(dir, `${ids[i]}.raw`), Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    }
    await writeFile(join(dir, 'utterances.ctl'), ids.join('\n') + '\n');
    await runDecoder(decoder, dir, signal);
    const decoded = parseHypseg(await readFile(join(dir, 'words.hypseg'), 'utf8'));
    const duration = pcm.length / SAMPLE_RATE;
    return utterances.flatMap((u, i) =>
      (decoded.get(ids[i]) ?? []).map((w) => ({
        word: w.word,
        start: Math.min(duration, u.start / SAMPLE_RATE + w.start),
        end: Math.min(duration, u.start / SAMPLE_RATE + w.end),
      })),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runDecoder(decoder: Decoder, dir: string, signal?: AbortSignal): Promise<void> {
  const { binary, modelDir } = decoder;
  // Raw little-endian 16 kHz mono files named by the control file; the log goes to stderr.
  const args = [
    ['-adcin', 'yes'],
    ['-samprate', String(SAMPLE_RATE)],
    ['-cepdir', dir],
    ['-cepext', '.raw'],
    ['-ctl', join(dir, 'utterances.ctl')],
    ['-hmm', join(modelDir, 'en-us')],
    ['-lm', join(modelDir, 'en-us.lm.bin')],
    ['-dict', join(modelDir, 'cmudict-en-us.dict')],
    ['-lw', String(LANGUAGE_WEIGHT)],
    ['-hypseg', join(dir, 'words.hypseg')],
  ].flat();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    child.on('error', (err) => reject((err as NodeJS.ErrnoException).code === 'ABORT_ERR' ? err : new VdnaError('ANALYSER_UNAVAILABLE', `cannot run ${binary}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const lastError = log.split('\n').filter((l) => l.startsWith('ERROR')).pop() ?? `exit code ${code}`;
      reject(new VdnaError('ANALYSER_UNAVAILABLE', `${DECODER} failed: ${lastError}`));
    });
  });
}

/**
 * Words per utterance from a -hypseg file. Each line reads `<id> S <n> T <n> A <n> L <n>` and then,
 * per segment, `<start frame> <acoustic score> <language score> <word>`, ending with the last frame:
 * a segment ends where the next one starts. Silences, noises and sentence marks are left out, and
 * alternative pronunciations (`can(2)`) are shown as their word.
 */
export function parseHypseg(text: string): Map<string, SpokenWord[]> {
  const out = new Map<string, SpokenWord[]>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 9) continue;
    const segments = fields.slice(9);
    const words: SpokenWord[] = [];
    for (let i = 0; i + 4 < segments.length; i += 4) {
      const word = segments[i + 3];
      if (/^(<.*>|\[.*\])$/.test(word)) continue;
      words.push({
        word: word.replace(/\(\d+\)$/, ''),
        start: Number(segments[i]) / FRAMES_PER_SECOND,
        end: Number(segments[i + 4]) / FRAMES_PER_SECOND,
      });
    }
    out.set(fields[0], words);
  }
  return out;
}

// ---------------------------------------------------------------- cutting the signal at its pauses

/** A stretch of the signal, in samples (end exclusive). */
export interface Utterance {
  start: number;
  end: number;
}

const FRAME = SAMPLE_RATE / FRAMES_PER_SECOND;
const MAX_UTTERANCE_SECONDS = 20;
/** Below this the loud part of the signal (its 95th energy percentile, dBFS), it is taken as silence. */
const SILENT_DBFS = -50;
/** A quieter stretch at least this long is a pause; shorter dips are inside words. */
const MIN_PAUSE_SECONDS = 0.3;
/** Voiced stretches shorter than this alone are clicks. */
const MIN_VOICE_SECONDS = 0.1;
/** Silence kept around each voiced stretch: the decoder needs a little on either side. */
const PAD_SECONDS = 0.2;

/** Each frame's energy in dBFS. */
function frameEnergies(pcm: Int16Array): Float64Array {
  const energies = new Float64Array(Math.floor(pcm.length / FRAME));
  for (let f = 0; f < energies.length; f++) {
    let sum = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) sum += pcm[i] * pcm[i];
    energies[f] = 10 * Math.log10(sum / FRAME / 32768 ** 2 + 1e-10);
  }
  return energies;
}

function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/**
 * Runs of frames louder than a threshold 30 % of the way from the noise floor (10th percentile) to
 * the loud level (95th), in frames. Sound with no quieter stretches (music, a constant hum) is all voiced.
 */
function voicedRuns(energies: Float64Array): Utterance[] {
  if (energies.length === 0) return [];
  const floor = percentile(energies, 0.1);
  const loud = percentile(energies, 0.95);
  if (loud < SILENT_DBFS) return [];
  const threshold = Math.min(floor + 0.3 * (loud - floor), loud - 3);
  const runs: Utterance[] = [];
  const minPause = MIN_PAUSE_SECONDS * FRAMES_PER_SECOND;
  for (let f = 0; f < energies.length; f++) {
    if (energies[f] < threshold) continue;
    const last = runs[runs.length - 1];
    if (last && f - last.end < minPause) last.end = f + 1;
    else runs.push({ start: f, end: f + 1 });
  }
  return runs.filter((r) => r.end - r.start >= MIN_VOICE_SECONDS * FRAMES_PER_SECOND);
}

/**
 * The signal's speech as utterances of at most MAX_UTTERANCE_SECONDS, cut at pauses: a span too long
 * is split at its widest pause, recursively; a span with no pause is split at its quietest frame.
 */
export function findUtterances(pcm: Int16Array): Utterance[] {
  const energies = frameEnergies(pcm);
  const runs = padded(voicedRuns(energies), energies.length);
  const maxFrames = MAX_UTTERANCE_SECONDS * FRAMES_PER_SECOND;
  const out: Utterance[] = [];
  const split = (first: number, last: number): void => {
    const start = runs[first].start;
    const end = runs[last].end;
    if (end - start <= maxFrames) {
      out.push({ start, end });
    } else if (first === last) {
      out.push(...splitAtQuietest(energies, start, end, maxFrames));
    } else {
      let widest = first;
      for (let i = first; i < last; i++) if (runs[i + 1].start - runs[i].end > runs[widest + 1].start - runs[widest].end) widest = i;
      split(first, widest);
      split(widest + 1, last);
    }
  };
  if (runs.length) split(0, runs.length - 1);
  return out.map((u) => ({ start: u.start * FRAME, end: u.end * FRAME }));
}

/** Runs widened by PAD_SECONDS of the silence around them, up to halfway to their neighbours. */
function padded(runs: Utterance[], frames: number): Utterance[] {
  const pad = PAD_SECONDS * FRAMES_PER_SECOND;
  return runs.map((r, i) => ({
    start: Math.max(r.start - pad, i > 0 ? Math.ceil((runs[i - 1].end + r.start) / 2) : 0),
    end: Math.min(r.end + pad, i + 1 < runs.length ? Math.ceil((r.end + runs[i + 1].start) / 2) : frames),
  }));
}

/** A pauseless stretch of frames as pieces of at most maxFrames, each cut at the quietest frame of its second half. */
function splitAtQuietest(energies: Float64Array, start: number, end: number, maxFrames: number): Utterance[] {
  const pieces: Utterance[] = [];
  while (end - start > maxFrames) {
    let cut = start + Math.floor(maxFrames / 2);
    for (let f = cut; f < start + maxFrames; f++) if (energies[f] < energies[cut]) cut = f;
    pieces.push({ start, end: cut });
    start = cut;
  }
  pieces.push({ start, end });
  return pieces;
}
