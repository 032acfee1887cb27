import { AUDIO_MATCH_DEFAULTS } from '../config.js';
import { hashLandmarks, speedVariants, type HashedLandmarks, type SpeedVariant } from '../fingerprint/audio/landmarks.js';
import type { AudioFingerprint } from '../fingerprint/audio/fingerprint.js';
import type { AudioIndex } from '../index/audio-index.js';
import { round, type MatchSegment } from './search.js';

export type AudioMatchParams = typeof AUDIO_MATCH_DEFAULTS;

/** Offsets are packed with the item into one number key: item * OFFSET_SPAN + offset + OFFSET_SPAN / 2. */
const OFFSET_SPAN = 2 ** 24;


interface Hypothesis {
  item: number;
  variant: number;
  offset: number;
  votes: number;
  /** The variant's hashed landmarks (by position) that voted for this offset, +-1 frame. */
  voters: number[];
}

/** The query's landmarks hashed per speed variant: (hash, anchor frame on the master's time scale). */
function variantHashes(query: AudioFingerprint, variants: SpeedVariant[]): HashedLandmarks[] {
  return variants.map((v) => hashLandmarks(query.landmarks, v));
}

/** Per variant, votes per (item, offset); the best offsets (summed over +-1 frame) become hypotheses. */
function vote(index: AudioIndex, hashes: HashedLandmarks[], p: AudioMatchParams): Hypothesis[] {
  const found: Hypothesis[] = [];
  hashes.forEach(({ pairs: h }, variant) => {
    // Per (item, offset): the positions of the landmarks that voted for it.
    const votes = new Map<number, number[]>();
    for (let i = 0; i < h.length; i += 2) {
      const tq = h[i + 1];
      index.lookup(h[i], (item, tm) => {
        const key = item * OFFSET_SPAN + (tm - tq + OFFSET_SPAN / 2);
        const list = votes.get(key);
        if (list) list.push(i / 2);
        else votes.set(key, [i / 2]);
      });
    }
    const count = (key: number) => votes.get(key)?.length ?? 0;
    for (const [key, list] of votes) {
      const n = list.length;
      const smoothed = n + count(key - 1) + count(key + 1);
      if (smoothed < p.minVotes) continue;
      // Keep the local maximum only.
      if (count(key - 1) > n || count(key + 1) >= n) continue;
      const voters = [...new Set([...(votes.get(key - 1) ?? []), ...list, ...(votes.get(key + 1) ?? [])])];
      const item = Math.floor(key / OFFSET_SPAN);
      found.push({ item, variant, offset: (key % OFFSET_SPAN) - OFFSET_SPAN / 2, votes: smoothed, voters });
    }
  });
  return found.sort((a, b) => b.votes - a.votes);
}

/** Sorted anchor frames of a variant's hashed landmarks (computed once per variant). */
const anchorCache = new WeakMap<HashedLandmarks, Float64Array>();
function anchorTimes(hashed: HashedLandmarks, lm: AudioFingerprint['landmarks']): Float64Array {
  let times = anchorCache.get(hashed);
  if (!times) {
    times = Float64Array.from(hashed.source, (i) => lm.t[i]).sort();
    anchorCache.set(hashed, times);
  }
  return times;
}

/** How many of the sorted values lie in [lo, hi]. */
function countBetween(sorted: Float64Array, lo: number, hi: number): number {
  const lower = (x: number, strict: boolean) => {
    let a = 0;
    let b = sorted.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (sorted[m] < x || (strict && sorted[m] === x)) a = m + 1;
      else b = m;
    }
    return a;
  };
  return lower(hi, true) - lower(lo, false);
}

/**
 * Segments of one hypothesis: the query landmarks found at the hypothesised offset (+-1 frame),
 * grouped into runs without long gaps. Similarity is the share of the query's landmarks in the
 * segment that were found.
 */
function segmentsOf(index: AudioIndex, query: AudioFingerprint, hashed: HashedLandmarks, variant: SpeedVariant, h: Hypothesis, p: AudioMatchParams): MatchSegment[] {
  const item = index.items[h.item];
  const lm = query.landmarks;
  const hits = h.voters.map((n) => {
    const i = hashed.source[n];
    return { q: lm.t[i], end: lm.t[i] + lm.dt[i] };
  });
  hits.sort((a, b) => a.q - b.q);
  const gap = p.maxGapSeconds * query.frameRate;
  const segments: MatchSegment[] = [];
  let start = 0;
  for (let i = 1; i <= hits.length; i++) {
    if (i < hits.length && hits[i].q - hits[i - 1].q <= gap) continue;
    const run = hits.slice(start, i);
    start = i;
    const q0 = run[0].q;
    const q1 = run.reduce((most, r) => Math.max(most, r.end), -Infinity);
    const total = countBetween(anchorTimes(hashed, lm), q0, q1);
    const similarity = run.length / Math.max(1, total);
    const seconds = (q1 - q0) / query.frameRate;
    if (run.length < p.minVotes || seconds < p.minSegmentSeconds || similarity < p.minSegmentSimilarity) continue;
    const toMaster = (qf: number) => (qf * variant.speed + h.offset) / item.frameRate;
    segments.push({
      StartTime: round(q0 / query.frameRate),
      EndTime: round(Math.min(q1 / query.frameRate, query.duration)),
      MasterStartTime: round(Math.max(0, toMaster(q0))),
      MasterEndTime: round(Math.min(toMaster(q1), item.duration)),
      Similarity: round(similarity),
    });
  }
  return segments;
}

/** Every library item the query's audio shares content with: item index -> segments, in query order. */
export function searchAudio(index: AudioIndex, query: AudioFingerprint, params: Partial<AudioMatchParams> = {}): Map<string, MatchSegment[]> {
  const p = { ...AUDIO_MATCH_DEFAULTS, ...params };
  const variants = speedVariants(p.speeds);
  const hashes = variantHashes(query, variants);
  const byItem = new Map<string, MatchSegment[]>();
  for (const h of vote(index, hashes, p)) {
    const key = index.items[h.item].key;
    const list = byItem.get(key) ?? [];
    if (list.length >= p.maxSegmentsPerItem) continue;
    for (const s of segmentsOf(index, query, hashes[h.variant], variants[h.variant], h, p)) {
      // A stretch of the query explained by a stronger hypothesis is not reported again.
      if (list.some((o) => o.StartTime < s.EndTime && s.StartTime < o.EndTime)) continue;
      list.push(s);
    }
    if (list.length) byItem.set(key, list);
  }
  for (const list of byItem.values()) list.sort((a, b) => a.StartTime - b.StartTime);
  return byItem;
}
