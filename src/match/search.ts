import { MATCH_DEFAULTS } from '../config.js';
import type { VideoIndex } from '../index/video-index.js';
import { activeVariants, alignSegments, allVariants, type AlignParams, type FrameSegment, type HashSequence } from './align.js';
import type { FrameHit, FrameKeyIndex, FrameView, Probe, WindowFrames } from '../index/frame-key-index.js';
import { CANDIDATE_DISTANCE, candidateWindows, queryProbes, type Candidate } from './candidates.js';
import { bestPlacements, placementProbes, supportedPlacements, type PlacementGrid, type PlacementVotes } from './placements.js';
import type { Match, MatchSegment } from './result.js';

export type { Match, MatchSegment, TextMatchSegment } from './result.js';

export interface QueryFrames extends HashSequence {
  fps: number;
  duration: number;
  /** What stripQuery needs (a query fingerprint has it): the variants that show the whole picture,
   *  the picture's own centre strip, and which frames are square or portrait. */
  wholePicture?: number[];
  strip?: Pick<HashSequence, 'hashes' | 'flat'>;
  portrait?: Uint8Array;
  /** A query's grid of placements (fingerprint/video/placements.ts). */
  placements?: PlacementGrid;
}

export interface SearchOptions {
  params?: Partial<AlignParams>;
  /** 'auto' aligns against every item while that is cheap, and asks the multi-index first beyond. */
  candidates?: 'auto' | 'all' | 'index';
}

/** Hash comparisons (query frames x their variants x library frames) up to which every item is
 *  aligned densely, every variant against every frame: about 5 ns each, so ~50 ms at most. Counted in
 *  frame pairs alone, a 7-hour library took 5 s per 60 s query of 43 variants, an 8-hour one (past the
 *  budget, through the multi-index) 37 ms. */
const DENSE_COMPARISON_BUDGET = 10_000_000;

/** Times and similarities in results carry three decimals (a millisecond). */
export const round = (x: number) => Math.round(x * 1000) / 1000;

/** The in-memory multi-index's library frames within CANDIDATE_DISTANCE of the probes (exact substring
 *  probes), each once per probe frame, whichever variant found it. */
export function indexHits(index: VideoIndex, probes: Probe[], probeRadius: 0 | 1 = 0): FrameHit[] {
  const mih = index.multiIndex();
  const hits: FrameHit[] = [];
  const seen = new Set<number>();
  let probing = -1;
  for (const probe of probes) {
    if (probe.frame !== probing) seen.clear();
    probing = probe.frame;
    mih.search(probe.hi, probe.lo, CANDIDATE_DISTANCE, probeRadius, (id, distance) => {
      if (seen.has(id)) return;
      seen.add(id);
      const item = index.itemOf(id);
      hits.push({ probe: probe.frame, item, frame: id - index.firstFrame(item), distance });
    });
  }
  return hits;
}

/** Asks the in-memory multi-index for library frames near the query's, as candidate windows. */
export function indexCandidates(index: VideoIndex, query: HashSequence, probeRadius: 0 | 1 = 0): Candidate[] {
  const hits = indexHits(index, queryProbes(query), probeRadius);
  return candidateWindows(hits, query.count, (item) => ({ key: index.items[item].key, count: index.items[item].frames.count }));
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

/** A candidate window with what aligning it needs: its item, and the item's frames [from, to). */
export type CandidateFrames = WindowFrames<Candidate>;

/**
 * Aligns the query with each candidate window and reports each item once, with its segments, best
 * first. `dense`: the windows are whole items of a small library (every variant is compared).
 */
export function matchCandidates(query: QueryFrames, windows: CandidateFrames[], params: AlignParams, dense: boolean): Match[] {
  const byItem = new Map<string, { item: CandidateFrames['item']; segments: FrameSegment[] }>();
  for (const { candidate: c, item, master } of windows) {
    // Past the dense budget time matters: compare only the variants that win somewhere (activeVariants).
    const variants = dense ? allVariants(query) : activeVariants(query, master, params.matchDistance);
    const found = alignSegments(query, master, params, query.fps, variants);
    const entry = byItem.get(item.key) ?? { item, segments: [] };
    for (const s of found) {
      // Windows of one item may overlap: keep a segment once.
      if (entry.segments.some((o) => o.queryStart <= s.queryEnd && s.queryStart <= o.queryEnd)) continue;
      entry.segments.push({ ...s, masterStart: s.masterStart + c.from, masterEnd: s.masterEnd + c.from });
    }
    byItem.set(item.key, entry);
  }
  const matches: Match[] = [];
  for (const { item, segments } of byItem.values()) {
    if (segments.length === 0) continue;
    matches.push(videoMatch(item.key, segments.map((s) => toSeconds(s, query, item))));
  }
  return bestFirst(matches);
}

const bestFirst = (matches: Match[]) => matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));

/** An item's picture match from its segments: in query order, similarity weighted by their lengths. */
function videoMatch(key: string, segments: MatchSegment[]): Match {
  const video = [...segments].sort((a, b) => a.StartTime - b.StartTime);
  const weight = video.reduce((a, s) => a + (s.EndTime - s.StartTime), 0);
  const global = video.reduce((a, s) => a + s.Similarity * (s.EndTime - s.StartTime), 0) / (weight || 1);
  return { PrimaryKey: key, GlobalSimilarity: round(global), VideoMatchSegments: video, AudioMatchSegments: [], TextMatchSegments: [] };
}

/**
 * The picture matches of one query found two ways (its frames against the library's, and against the
 * library's strips), each item once: where segments of the two overlap on the query's timeline, the
 * better supported one (similarity x length) is kept.
 */
export function unionVideoMatches(first: Match[], more: Match[]): Match[] {
  if (more.length === 0) return first;
  const byKey = new Map(first.map((m) => [m.PrimaryKey, m]));
  const support = (s: MatchSegment) => s.Similarity * (s.EndTime - s.StartTime);
  for (const m of more) {
    const had = byKey.get(m.PrimaryKey)?.VideoMatchSegments ?? [];
    const kept: MatchSegment[] = [];
    for (const s of [...had, ...m.VideoMatchSegments].sort((a, b) => support(b) - support(a))) {
      if (!kept.some((o) => o.StartTime < s.EndTime && s.StartTime < o.EndTime)) kept.push(s);
    }
    byKey.set(m.PrimaryKey, videoMatch(m.PrimaryKey, kept));
  }
  return bestFirst([...byKey.values()]);
}

/**
 * The query as the library's strips see it: its square or portrait frames (a landscape picture is no
 * strip), each by its whole picture (a copy cropped to a vertical strip shows the library's strip
 * whole) and by its own centre strip (a square or 3:4 crop holds it), flat where that strip is (a
 * portrait picture's strip is the whole of it; the library's view, a part of it, may be flat where
 * the whole is not); undefined when no frame is square or portrait.
 */
export function stripQuery(query: QueryFrames): QueryFrames | undefined {
  const { wholePicture: whole, strip, portrait } = query;
  if (!whole?.length || !strip || !portrait?.includes(1)) return undefined;
  const variants = whole.length + 1;
  const hashes = new Uint32Array(query.count * variants * 2);
  const flat = new Uint8Array(query.count);
  for (let k = 0; k < query.count; k++) {
    whole.forEach((v, i) => hashes.set(query.hashes.subarray(2 * (k * query.variants + v), 2 * (k * query.variants + v) + 2), 2 * (k * variants + i)));
    hashes.set(strip.hashes.subarray(2 * k, 2 * k + 2), 2 * (k * variants + whole.length));
    flat[k] = strip.flat[k] || !portrait[k] ? 1 : 0;
  }
  return { fps: query.fps, duration: query.duration, count: query.count, variants, hashes, flat };
}

/** The alignment parameters of a search: the defaults, with the options' overrides. */
export const alignParams = (opts: SearchOptions): AlignParams => ({ ...MATCH_DEFAULTS, ...opts.params });

/** Every library item the query shares picture content with, best first. */
export function searchVideo(index: VideoIndex, query: QueryFrames, opts: SearchOptions = {}): Match[] {
  const mode = opts.candidates ?? 'auto';
  const dense = mode === 'all' || (mode === 'auto' && index.totalFrames * query.count * query.variants <= DENSE_COMPARISON_BUDGET);
  const candidates = dense
    ? index.items.map((item, i) => ({ item: i, from: 0, to: item.frames.count, votes: 0 }))
    : indexCandidates(index, query);
  const windows = candidates.map((c) => ({ candidate: c, item: index.items[c.item], master: window(index.items[c.item].frames, c.from, c.to) }));
  return matchCandidates(query, windows, alignParams(opts), dense);
}

/**
 * The same search with the candidates from the database's multi-index (index/frame-key-index.ts):
 * the probes and the windows they vote for are the in-memory search's, only the windows' frames are
 * fetched, and the alignment is the same, so both give the same matches on the same library.
 */
export async function searchVideoInDatabase(keys: FrameKeyIndex, libraryId: string, query: QueryFrames, opts: SearchOptions = {}): Promise<Match[]> {
  const search = async (seen: QueryFrames, view: FrameView) => {
    const windows = await keys.search(libraryId, queryProbes(seen), CANDIDATE_DISTANCE, (hits, describe) => candidateWindows(hits, seen.count, describe), 0, view);
    return matchCandidates(seen, windows, alignParams(opts), false);
  };
  const strip = stripQuery(query);
  return unionVideoMatches(await search(query, 'frames'), strip ? await search(strip, 'strips') : []);
}

/** The placements of the library's window that the query's grid finds in the database's multi-index,
 *  for what `found` (the query's matches) misses (see placements.ts). */
export async function placementsInDatabase(keys: FrameKeyIndex, libraryId: string, query: QueryFrames, found: Match[]): Promise<PlacementVotes[]> {
  const grid = query.placements;
  if (!grid) return [];
  let supported: PlacementVotes[] = [];
  await keys.search(libraryId, placementProbes(grid, query), CANDIDATE_DISTANCE, (hits, describe) => {
    supported = supportedPlacements(hits, grid, query.count, (item) => describe(item).key);
    return [];
  });
  return bestPlacements(supported, found, query.fps);
}
