/** Recognised words grouped into the phrases a reader would see as one subtitle line. */
import type { SpokenWord, TimedText } from './types.js';

export interface PhraseLimits {
  /** A silence at least this long (seconds) ends a phrase. */
  pauseSeconds: number;
  /** A phrase ends after this many words even without a pause. */
  maxWords: number;
}

const DEFAULT_LIMITS: PhraseLimits = { pauseSeconds: 0.7, maxWords: 15 };

/** Words in time order as phrases, split at pauses and at a word count. */
export function groupPhrases(words: SpokenWord[], limits: PhraseLimits = DEFAULT_LIMITS): TimedText[] {
  const phrases: TimedText[] = [];
  let current: SpokenWord[] = [];
  const flush = () => {
    if (current.length === 0) return;
    phrases.push({ text: current.map((w) => w.word).join(' '), start: current[0].start, end: current[current.length - 1].end });
    current = [];
  };
  for (const word of words) {
    const previous = current[current.length - 1];
    if (previous && (word.start - previous.end >= limits.pauseSeconds || current.length >= limits.maxWords)) flush();
    current.push(word);
  }
  flush();
  return phrases;
}
