import { MATCH_DEFAULTS } from '../config.js';
import type { VideoIndex } from '../index/video-index.js';
import { alignSegments, type AlignParams, type FrameSegment, type HashSequence } from './align.js';

/** One matching stretch, in seconds on the query's and the library item's (master's) timeline. */
export interface MatchSegment {
  StartTime: number;
  EndTime: number;
  MasterStartTime: number;
  MasterEndTime: number;
  Similarity: number;
}

export interface TextMatchSegment {
  Start: number;
  End: number;
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
/** Items the multi-index must find this many query frames in to be aligned. */
const MIN_INDEX_VOTES = 3;
/** Items aligned at most, best voted first. */
const MAX_CANDIDATES = 100;

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Library items with enough query frames near their frames, most first. */
export function indexCandidates(index: VideoIndex, query: HashSequence, maxDistance: number): number[] {
  const mih = index.multiIndex();
  const votes = new Uint32Array(index.items.length);
  const lastFrame = new Int32Array(index.items.length).fill(-1);
  for (let q = 0; q < query.count; q++) {
    if (query.flat[q]) continue;
    for (let v = 0; v < query.variants; v++) {
      const at = 2 * (q * query.variants + v);
      mih.search(query.hashes[at], query.hashes[at + 1], maxDistance, 1, (id) => {
        const item = index.itemOf(id);
        if (lastFrame[item] !== q) {
          lastFrame[item] = q;
          votes[item]++;
        }
      });
    }
  }
  const found: number[] = [];
  votes.forEach((n, item) => n >= MIN_INDEX_VOTES && found.push(item));
  return found.sort((a, b) => votes[b] - votes[a]).slice(0, MAX_CANDIDATES);
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
  const items = dense ? index.items.map((_, i) => i) : indexCandidates(index, query, params.matchDistance);
  const matches: Match[] = [];
  for (const i of items) {
    const item = index.items[i];
    const segments = alignSegments(query, item.frames, params, query.fps);
    if (segments.length === 0) continue;
    const video = segments.map((s) => toSeconds(s, query, item));
    const weight = video.reduce((a, s) => a + (s.EndTime - s.StartTime), 0);
    const global = video.reduce((a, s) => a + s.Similarity * (s.EndTime - s.StartTime), 0) / (weight || 1);
    matches.push({ PrimaryKey: item.key, GlobalSimilarity: round(global), VideoMatchSegments: video, AudioMatchSegments: [], TextMatchSegments: [] });
  }
  return matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));
}
