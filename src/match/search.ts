import { MATCH_DEFAULTS } from '../config.js';
import type { VideoIndex } from '../index/video-index.js';
import { activeVariants, alignSegments, allVariants, type AlignParams, type FrameSegment, type HashSequence } from './align.js';

/** One matching stretch, in seconds on the query's and the library item's (master's) timeline. */
export interface MatchSegment {
  StartTime: number;
  EndTime: number;
  MasterStartTime: number;
  MasterEndTime: number;
  Similarity: number;
}

/** Times are seconds for subtitles and timed text, word positions for plain text. */
export interface TextMatchSegment {
  Start: number;
  End: number;
  MasterStart: number;
  MasterEnd: number;
  QueryText: string;
  MasterText: string;
  Similarity: number;
}

/** One library item the query shares content with (the result shape of ../shared/DESIGN.md). */
export interface Match {
  PrimaryKey: string;
  /** Duration-weighted mean similarity of the segments (0..1). */
  GlobalSimilarity: number;
  VideoMatchSegments: MatchSegment[];
  AudioMatchSegments: MatchSegment[];
  TextMatchSegments: TextMatchSegment[];
}

export interface QueryFrames extends HashSequence {
  fps: number;
  duration: number;
}

export interface SearchOptions {
  params?: Partial<AlignParams>;
  /** 'auto' aligns against every item while that is cheap, and asks the multi-index first beyond. */
  candidates?: 'auto' | 'all' | 'index';
}

/** Query frames x library frames up to which every item is aligned densely (a few tens of ms). */
const DENSE_CELL_BUDGET = 25_000_000;
/** Multi-index hits only count as votes within this distance: far tighter than matchDistance, so
 *  that chance collisions in a large library stay rare while copies (typically 0-8 bits) still vote. */
const CANDIDATE_DISTANCE = 10;
/** Query frames that must vote for the same stretch of an item for it to be aligned. */
const MIN_INDEX_VOTES = 3;
/** Items aligned at most, best voted first, and stretches per item. */
const MAX_CANDIDATES = 100;
const MAX_WINDOWS = 3;

/** Times and similarities in results carry three decimals (a millisecond). */
export const round = (x: number) => Math.round(x * 1000) / 1000;

/** Query frames probed in the multi-index: every other one (a copy leaves votes on most frames). */
const PROBE_FRAME_STEP = 2;

/** Whether the hash at `at` equals one of the same frame's earlier variants (from `first`). */
function repeatsEarlierVariant(hashes: Uint32Array, first: number, at: number): boolean {
  for (let e = first; e < at; e += 2) if (hashes[e] === hashes[at] && hashes[e + 1] === hashes[at + 1]) return true;
  return false;
}

/** A stretch of a library item worth aligning: master frames [from, to). */
export interface Candidate {
  item: number;
  from: number;
  to: number;
  votes: number;
}

/**
 * Asks the multi-index for library frames near the query's (every variant, exact substring probes),
 * and turns the hits into stretches to align: hits of one copy share an offset (master frame minus
 * query frame) up to the drift of a speed change, so each dense cluster of offsets becomes a window.
 */
export function indexCandidates(index: VideoIndex, query: HashSequence, probeRadius: 0 | 1 = 0): Candidate[] {
  const mih = index.multiIndex();
  // Per item: offsets (master frame - query frame) of the hits, one per query frame and master frame.
  const offsets = new Map<number, number[]>();
  const seen = new Set<number>();
  for (let q = 0; q < query.count; q += PROBE_FRAME_STEP) {
    if (query.flat[q]) continue;
    seen.clear();
    for (let v = 0; v < query.variants; v++) {
      const at = 2 * (q * query.variants + v);
      if (repeatsEarlierVariant(query.hashes, 2 * q * query.variants, at)) continue;
      mih.search(query.hashes[at], query.hashes[at + 1], CANDIDATE_DISTANCE, probeRadius, (id) => {
        if (seen.has(id)) return;
        seen.add(id);
        const item = index.itemOf(id);
        let list = offsets.get(item);
        if (!list) offsets.set(item, (list = []));
        list.push(id - index.firstFrame(item) - q);
      });
    }
  }
  const drift = Math.ceil(query.count * 0.25) + 8;
  const candidates: Candidate[] = [];
  for (const [item, list] of offsets) {
    if (list.length < MIN_INDEX_VOTES) continue;
    list.sort((a, b) => a - b);
    const count = index.items[item].frames.count;
    const taken = new Uint8Array(list.length);
    for (let w = 0; w < MAX_WINDOWS; w++) {
      // The offset with the most other hits within the drift of a speed change.
      let best = -1;
      let bestVotes = 0;
      for (let i = 0, lo = 0, hi = 0, inWindow = 0; i < list.length; i++) {
        while (hi < list.length && list[hi] <= list[i] + drift) inWindow += taken[hi++] ? 0 : 1;
        while (list[lo] < list[i] - drift) inWindow -= taken[lo++] ? 0 : 1;
        if (!taken[i] && inWindow > bestVotes) {
          bestVotes = inWindow;
          best = list[i];
        }
      }
      if (bestVotes < MIN_INDEX_VOTES) break;
      list.forEach((o, i) => {
        if (Math.abs(o - best) <= drift) taken[i] = 1;
      });
      const from = Math.max(0, best - drift - 2 * drift);
      const to = Math.min(count, best + query.count + 3 * drift);
      candidates.push({ item, from, to, votes: bestVotes });
    }
  }
  return candidates.sort((a, b) => b.votes - a.votes).slice(0, MAX_CANDIDATES);
}

/** Master frames [from, to) of an item as a sequence of their own (views, no copy). */
function window(frames: HashSequence, from: number, to: number): HashSequence {
  const v = frames.variants;
  return { count: to - from, variants: v, hashes: frames.hashes.subarray(2 * from * v, 2 * to * v), flat: frames.flat.subarray(from, to) };
}

function toSeconds(s: FrameSegment, query: QueryFrames, item: { fps: number; duration: number }): MatchSegment {
  return {
    StartTime: round(s.queryStart / query.fps),
    EndTime: round(Math.min((s.queryEnd + 1) / query.fps, query.duration)),
    MasterStartTime: round(s.masterStart / item.fps),
    MasterEndTime: round(Math.min((s.masterEnd + 1) / item.fps, item.duration)),
    Similarity: round(s.similarity),
  };
}

/** Every library item the query shares picture content with, best first. */
export function searchVideo(index: VideoIndex, query: QueryFrames, opts: SearchOptions = {}): Match[] {
  const params: AlignParams = { ...MATCH_DEFAULTS, ...opts.params };
  const mode = opts.candidates ?? 'auto';
  const dense = mode === 'all' || (mode === 'auto' && index.totalFrames * query.count <= DENSE_CELL_BUDGET);
  const candidates = dense
    ? index.items.map((item, i) => ({ item: i, from: 0, to: item.frames.count, votes: 0 }))
    : indexCandidates(index, query);
  const byItem = new Map<number, FrameSegment[]>();
  for (const c of candidates) {
    const master = window(index.items[c.item].frames, c.from, c.to);
    // Past the dense budget time matters: compare only the variants that win somewhere (activeVariants).
    const variants = dense ? allVariants(query) : activeVariants(query, master, params.matchDistance);
    const found = alignSegments(query, master, params, query.fps, variants);
    const list = byItem.get(c.item) ?? [];
    for (const s of found) {
      // Windows of one item may overlap: keep a segment once.
      if (list.some((o) => o.queryStart <= s.queryEnd && s.queryStart <= o.queryEnd)) continue;
      list.push({ ...s, masterStart: s.masterStart + c.from, masterEnd: s.masterEnd + c.from });
    }
    byItem.set(c.item, list);
  }
  const matches: Match[] = [];
  for (const [i, segments] of byItem) {
    const item = index.items[i];
    if (segments.length === 0) continue;
    segments.sort((a, b) => a.queryStart - b.queryStart);
    const video = segments.map((s) => toSeconds(s, query, item));
    const weight = video.reduce((a, s) => a + (s.EndTime - s.StartTime), 0);
    const global = video.reduce((a, s) => a + s.Similarity * (s.EndTime - s.StartTime), 0) / (weight || 1);
    matches.push({ PrimaryKey: item.key, GlobalSimilarity: round(global), VideoMatchSegments: video, AudioMatchSegments: [], TextMatchSegments: [] });
  }
  return matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));
}
