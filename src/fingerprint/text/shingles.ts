import type { Cue } from '../../media/subtitles.js';

/** Words per shingle: three words in order are rare enough to mean something, short enough to survive re-wording. */
export const SHINGLE_WORDS = 3;

/** A text's DNA: its cues, its normalised words (with the cue each came from), and word-trigram hashes. */
export interface TextFingerprint {
  /** Whether cue times are real (subtitles, timed text) or the text is plain (one cue, times in words). */
  timed: boolean;
  cues: Cue[];
  /** Cue index of each word. */
  wordCue: Uint32Array;
  /** Hash of the shingle starting at each word (length: words - SHINGLE_WORDS + 1). */
  shingles: Uint32Array;
}

/** Lower case, accents and punctuation removed: "Über-Café!" -> ["uber", "cafe"]. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** 32-bit FNV-1a of a string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fingerprintText(cues: Cue[], timed: boolean): TextFingerprint {
  const all: string[] = [];
  const wordCue: number[] = [];
  cues.forEach((cue, c) => {
    for (const w of words(cue.text)) {
      all.push(w);
      wordCue.push(c);
    }
  });
  const shingles = new Uint32Array(Math.max(0, all.length - SHINGLE_WORDS + 1));
  for (let i = 0; i < shingles.length; i++) shingles[i] = fnv1a(all.slice(i, i + SHINGLE_WORDS).join(' '));
  return { timed, cues, wordCue: Uint32Array.from(wordCue), shingles };
}

/**
 * The time of word `i`: interpolated within its cue for timed text; for plain text, the word's
 * position (times of plain text count words).
 */
export function wordTime(fp: TextFingerprint, i: number): number {
  if (!fp.timed) return i;
  const c = fp.wordCue[Math.min(i, fp.wordCue.length - 1)];
  const cue = fp.cues[c];
  let first = i;
  while (first > 0 && fp.wordCue[first - 1] === c) first--;
  let last = i;
  while (last + 1 < fp.wordCue.length && fp.wordCue[last + 1] === c) last++;
  return cue.start + ((cue.end - cue.start) * (i - first)) / (last - first + 1);
}

/** The text of words [from, to] (original wording, from the cues that hold them). */
export function cueText(fp: TextFingerprint, from: number, to: number): string {
  if (!fp.timed) {
    // Plain text: the normalised words are the faithful unit of position.
    return words(fp.cues[0].text).slice(from, to + 1).join(' ');
  }
  const first = fp.wordCue[from];
  const last = fp.wordCue[Math.min(to, fp.wordCue.length - 1)];
  return fp.cues
    .slice(first, last + 1)
    .map((c) => c.text)
    .join(' ');
}
