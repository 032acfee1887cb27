/** Timed text: SRT and WebVTT files, embedded subtitle streams (through ffmpeg), and plain text. */
import { open, readFile } from 'node:fs/promises';
import { VdnaError } from '../errors.js';
import { decoderCommand } from './ffmpeg.js';
import { decodeTimeoutMs } from './decode.js';
import type { MediaInfo } from './probe.js';
import { runChild } from './spawn-host.js';

/** One timed line of text, in seconds. */
export interface Cue {
  start: number;
  end: number;
  text: string;
}

const TIME = /(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/;

function seconds(stamp: string): number {
  const m = TIME.exec(stamp);
  if (!m) throw new VdnaError('INVALID_ARGUMENT', `not a subtitle time: "${stamp}"`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4].padEnd(3, '0')) / 1000;
}

/** Drops markup (<i>, {\an8}, <c.yellow>) and joins a cue's lines. */
const clean = (lines: string[]) =>
  lines
    .join(' ')
    .replace(/<[^>]*>|\{\\[^}]*\}/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Parses SRT or WebVTT text into cues (cue settings, notes, styles and identifiers are skipped). */
export function parseSubtitles(text: string): Cue[] {
  const cues: Cue[] = [];
  for (const block of text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const [from, to] = lines[at].split('-->');
    const cue = { start: seconds(from), end: seconds(to.trim().split(/\s+/)[0]), text: clean(lines.slice(at + 1)) };
    if (cue.text) cues.push(cue);
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The extension of a file name, if it is a plain one (".srt", ".mp4"), in lower case; else ''. */
export const extensionOf = (name: string) => /\.[A-Za-z0-9]{1,5}$/.exec(name)?.[0].toLowerCase() ?? '';

/** Extensions of the text files vdna reads. */
export const TEXT_EXTENSIONS = ['.srt', '.vtt', '.txt', '.json'];

/**
 * Whether a file is text to read as text: a text extension, or (for a text library, `anyName`) any
 * name; and its first 64 KB UTF-8 without NUL bytes. A text file named like media is not media either
 * way: probing it fails with NOT_MEDIA.
 */
export async function isTextFile(path: string, anyName = false): Promise<boolean> {
  if (!anyName && !TEXT_EXTENSIONS.includes(extensionOf(path))) return false;
  let head: Buffer;
  try {
    const handle = await open(path);
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(65536), 0, 65536, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
  if (head.length === 0 || head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length === 65536 ? head.subarray(0, 65532) : head);
    return true;
  } catch {
    return false;
  }
}

/** Reads subtitles (SRT, WebVTT), timed text as JSON [{start, end, text}], or plain text. */
export async function readText(path: string): Promise<{ cues: Cue[]; timed: boolean }> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch {
    throw new VdnaError('FILE_NOT_FOUND', `no such file: ${path}`);
  }
  if (/\.json$/i.test(path) || /^\s*\[/.test(raw)) return { cues: parseTimedJson(raw), timed: true };
  if (/\.(srt|vtt)$/i.test(path) || /^\uFEFF?WEBVTT/.test(raw) || /^\s*\d+\s*\n[\d:,.]+ --> /.test(raw)) {
    const cues = parseSubtitles(raw);
    if (cues.length === 0) throw new VdnaError('NOT_MEDIA', `no subtitle cues in ${path}`);
    return { cues, timed: true };
  }
  const text = raw.replace(/\s+/g, ' ').trim();
  if (!text) throw new VdnaError('NOT_MEDIA', `no text in ${path}`);
  return { cues: [{ start: 0, end: 0, text }], timed: false };
}

/** A query given as timed text: [{start, end, text}] (seconds). */
export function parseTimedJson(raw: string): Cue[] {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    throw new VdnaError('MALFORMED_REQUEST', 'timed text must be JSON: [{"start": s, "end": s, "text": "..."}]');
  }
  if (!Array.isArray(data)) throw new VdnaError('INVALID_ARGUMENT', 'timed text must be an array of {start, end, text}');
  return data.map((c, i) => {
    // Any item may be anything: null, a number, an array.
    const { start, end, text } = (c !== null && typeof c === 'object' ? c : {}) as Record<string, unknown>;
    if (typeof start !== 'number' || typeof end !== 'number' || typeof text !== 'string' || end < start || start < 0) {
      throw new VdnaError('INVALID_ARGUMENT', `timed text item ${i} must be {start, end, text} with 0 <= start <= end`);
    }
    return { start, end, text: clean([text]) };
  });
}

/** A sidecar subtitle file beside a media file: movie.srt or movie.vtt (or movie.en.srt ...) for movie.mp4. */
export async function sidecarSubtitles(mediaPath: string): Promise<Cue[]> {
  const base = mediaPath.replace(/\.[^./]+$/, '');
  for (const candidate of [`${base}.srt`, `${base}.vtt`, `${base}.en.srt`, `${base}.en.vtt`]) {
    try {
      return parseSubtitles(await readFile(candidate, 'utf8'));
    } catch {
      /* not there */
    }
  }
  return [];
}

/** The first embedded subtitle stream as cues (text subtitles only; bitmap ones carry no text). */
export async function embeddedSubtitles(info: MediaInfo): Promise<Cue[]> {
  if (info.subtitleStream === undefined) return [];
  try {
    const { stdout } = await runChild(...decoderCommand('ffmpeg', ['-v', 'error', '-i', info.path, '-map', `0:${info.subtitleStream}`, '-f', 'srt', 'pipe:1']), {
      maxBuffer: 64 << 20,
      timeout: decodeTimeoutMs(info.duration),
      killSignal: 'SIGKILL',
    });
    return parseSubtitles(stdout);
  } catch {
    return [];
  }
}
