import { SHINGLE_WORDS, cueText, wordTime, type TextFingerprint } from '../fingerprint/text/shingles.js';
import type { TextIndex } from '../index/text-index.js';
import { round, type TextMatchSegment } from './search.js';

/** Shingles of a query that must be found, in order, for a segment (about seven words in a row). */
const MIN_SHINGLES = 5;
/** A run continues across this many unmatched query words (a re-worded phrase) ... */
const MAX_QUERY_GAP = 12;
/** ... and while its master position drifts by at most this many words from the query's. */
const MAX_DRIFT = 12;
/**
 * A shingle repeated more often than this in the query (a chorus, "la la la") is skipped: it carries
 * no position, and its pairs with an item that repeats it too would grow as the product of both counts.
 */
const MAX_SHINGLE_REPEATS = 8;

/**
 * Text segments per item: the query's shingles found in the item, chained in query order while the
 * master position moves forward with little drift; a chain of MIN_SHINGLES or more is a segment.
 */
export function searchText(index: TextIndex, query: TextFingerprint): Map<string, TextMatchSegment[]> {
  const pairs = new Map<number, Array<[number, number]>>();
  const repeats = new Map<number, number>();
  for (const h of query.shingles) repeats.set(h, (repeats.get(h) ?? 0) + 1);
  query.shingles.forEach((h, qp) => {
    if (repeats.get(h)! > MAX_SHINGLE_REPEATS) return;
    const list = index.lookup(h);
    for (let i = 0; i < list.length; i += 2) {
      const found = pairs.get(list[i]) ?? [];
      found.push([qp, list[i + 1]]);
      pairs.set(list[i], found);
    }
  });
  const out = new Map<string, TextMatchSegment[]>();
  for (const [n, found] of pairs) {
    const item = index.items[n];
    found.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const used = new Uint8Array(found.length);
    const segments: TextMatchSegment[] = [];
    for (let s = 0; s < found.length; s++) {
      if (used[s]) continue;
      const chain = [s];
      for (let i = s + 1; i < found.length; i++) {
        const [lq, lm] = found[chain[chain.length - 1]];
        const [q, m] = found[i];
        if (q - lq > MAX_QUERY_GAP) break;
        if (used[i] || q === lq || m <= lm || Math.abs(m - lm - (q - lq)) > MAX_DRIFT) continue;
        chain.push(i);
      }
      if (chain.length < MIN_SHINGLES) continue;
      chain.forEach((i) => (used[i] = 1));
      const [q0, m0] = found[chain[0]];
      const [q1, m1] = found[chain[chain.length - 1]];
      const qEnd = q1 + SHINGLE_WORDS - 1;
      const mEnd = m1 + SHINGLE_WORDS - 1;
      const endOf = (fp: TextFingerprint, w: number) => (fp.timed ? fp.cues[fp.wordCue[w]].end : w);
      segments.push({
        Start: round(wordTime(query, q0)),
        End: round(endOf(query, qEnd)),
        MasterStart: round(wordTime(item.text, m0)),
        MasterEnd: round(endOf(item.text, mEnd)),
        QueryText: cueText(query, q0, qEnd),
        MasterText: cueText(item.text, m0, mEnd),
        Similarity: round(new Set(chain.map((i) => found[i][0])).size / (q1 - q0 + 1)),
      });
    }
    if (segments.length) out.set(item.key, segments.sort((a, b) => a.Start - b.Start));
  }
  return out;
}
