/**
 * Keywords of a video from the texts found in it (OCR captions, speech phrases, object labels): its
 * content words, each with every time it was shown or said, most frequent first. Function words are
 * the `stopword` package's, for English and for any other language the texts are found to be in, so
 * a German transcript loses its "und" without an English one losing "war" and "die".
 */
import { loadExtra } from './extras.js';
import type { TimedText } from './types.js';

/** A tag with the start times (seconds) of the texts it was found in, sorted, each once. */
export interface TimedTag {
  tag: string;
  times: number[];
}

/** Lower case with diacritics removed (Café → cafe): the form words are matched by. */
export function foldWord(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** stopword's per-language lists, keyed by ISO 639-3 code. */
type StopwordModule = Record<string, unknown>;

/** Languages written without spaces between words, which these word lists cannot serve, and the digit list. */
const UNSPACED = new Set(['zho', 'jpn', 'kor', 'tha', 'mya', '_123']);
/**
 * A language counts as present when its function words are at least this share of all the words, and
 * at least half the share of the language that has the most: English text is a quarter German "die",
 * "was", "war", but half English function words.
 */
const LANGUAGE_SHARE = 0.15;
/**
 * Everyday English function words that stopword's short English list (108 words) lacks; without
 * them "not", "just" and "its" lead the keywords of any English transcript.
 */
const MORE_ENGLISH = (
  'not nor yes its she hers herself itself myself ourselves themselves yourself yours ours theirs whom whose why ' +
  'will shall may does doing done having let just than till until upon onto off also again ever even yet one ones own ' +
  'okay yeah thing things going gonna want know see look say says tell thee thou thy thine hath doth'
).split(' ');

let stopwordLists: Promise<Map<string, Set<string>>> | undefined;

function loadStopwords(): Promise<Map<string, Set<string>>> {
  stopwordLists ??= loadExtra<StopwordModule>('stopword').then((module) => {
    const lists = new Map<string, Set<string>>();
    for (const [code, words] of Object.entries(module)) {
      if (Array.isArray(words) && !UNSPACED.has(code)) lists.set(code, new Set(words.map((w: string) => foldWord(w))));
    }
    for (const word of MORE_ENGLISH) lists.get('eng')?.add(word);
    return lists;
  });
  return stopwordLists;
}

/** The function words of English and of the languages the words are in. */
function stopwordsFor(words: string[], lists: Map<string, Set<string>>): Set<string> {
  const shares = [...lists].map(([code, list]) => ({ code, list, share: words.filter((w) => list.has(w)).length / Math.max(1, words.length) }));
  const best = Math.max(...shares.map((s) => s.share));
  const stop = new Set<string>();
  for (const { code, list, share } of shares) {
    if (code === 'eng' || (share >= LANGUAGE_SHARE && share >= best / 2)) for (const w of list) stop.add(w);
  }
  return stop;
}

/** Words with inner apostrophes kept together, punctuation dropped, lower case. */
function rawWords(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? [];
}

/**
 * A word without its apostrophe: "world's" → "world", French elision "l'homme" → "homme"; English
 * contractions ("don't", "we'll") are function words and give nothing.
 */
function withoutApostrophe(word: string): string | undefined {
  const w = word.replace(/['’]s$/u, '');
  if (/['’](t|ll|re|ve|m|d)$/u.test(w)) return undefined;
  const elided = /^\p{L}{1,2}['’](.+)$/u.exec(w);
  return (elided ? elided[1] : w).replace(/['’]/gu, '');
}

const LATIN = /^[\p{Script=Latin}]+$/u;
const VOWEL = /[aeiouy]/;

/** Short words, numbers and what OCR makes of texture: no vowel, digits among letters, a letter thrice in a row. */
function isJunk(word: string, folded: string): boolean {
  if ([...word].length < 3) return true;
  if (/\p{N}/u.test(word)) return true;
  if (/(.)\1\1/u.test(folded)) return true;
  return LATIN.test(folded) && !VOWEL.test(folded);
}

interface Candidate {
  shownForms: Map<string, number>;
  mentions: number;
  seconds: number;
  times: Set<number>;
}

/**
 * The `limit` most mentioned content words of the texts, shown in lower case with their diacritics;
 * ties go to the word on screen or spoken longer, then to the earlier one.
 */
export async function findKeywords(texts: TimedText[], limit = 20): Promise<TimedTag[]> {
  const lists = await loadStopwords();
  const words = texts.map((t) => rawWords(t.text).flatMap((w) => withoutApostrophe(w) ?? []));
  const stop = stopwordsFor(words.flat().map(foldWord), lists);
  const candidates = new Map<string, Candidate>();
  texts.forEach((text, i) => {
    const seen = new Set<string>();
    for (const word of words[i]) {
      const folded = foldWord(word);
      if (stop.has(folded) || isJunk(word, folded)) continue;
      let c = candidates.get(folded);
      if (!c) candidates.set(folded, (c = { shownForms: new Map(), mentions: 0, seconds: 0, times: new Set() }));
      c.shownForms.set(word, (c.shownForms.get(word) ?? 0) + 1);
      c.mentions++;
      c.times.add(text.start);
      if (!seen.has(folded)) c.seconds += Math.max(0, text.end - text.start);
      seen.add(folded);
    }
  });
  return [...candidates.values()]
    .map((c) => ({ c, times: [...c.times].sort((a, b) => a - b) }))
    .sort((a, b) => b.c.mentions - a.c.mentions || b.c.seconds - a.c.seconds || a.times[0] - b.times[0])
    .slice(0, limit)
    .map(({ c, times }) => ({ tag: mostFrequent(c.shownForms), times }));
}

function mostFrequent(counts: Map<string, number>): string {
  return [...counts].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}
