import { popcount32 } from '../fingerprint/hamming.js';
import type { FrameHit, FrameKeyIndex, ItemFacts, Probe } from '../index/frame-key-index.js';
import type { VideoIndex } from '../index/video-index.js';
import { pairSimilarity } from './align.js';
import { round, type Match, type MatchSegment, type QueryFrames } from './search.js';

/**
 * Largest Hamming distance (of 64) at which a video frame shows the picture. Video frames average
 * 0.75 s, so a still from fast motion is often further than this and missed; looser distances (10)
 * matched unrelated static shots. Set on a handful of examples, not yet measured on a benchmark.
 */
export const STILL_MAX_DISTANCE = 8;
/** Past this many library frames, candidates come from the multi-index instead of a scan. */
const SCAN_FRAMES = 2_000_000;
const MAX_SEGMENTS_PER_ITEM = 10;

/**
 * Where a still picture appears in the library's videos: every library frame within
 * STILL_MAX_DISTANCE of one of the picture's hash variants (crops, mirror, inset), grouped into runs of
 * consecutive frames. Each run is a VideoMatchSegment on the master's timeline; the query side of a
 * still is the instant 0.
 */
export function searchStill(index: VideoIndex, query: QueryFrames): Match[] {
  const probes = stillProbes(query);
  if (probes.length === 0) return [];
  /** Best distance per matching global frame id. */
  const hits = new Map<number, number>();
  const note = (id: number, d: number) => {
    if (d <= STILL_MAX_DISTANCE && (hits.get(id) ?? 99) > d) hits.set(id, d);
  };
  if (index.totalFrames <= SCAN_FRAMES) {
    index.items.forEach((item, n) => {
      const first = index.firstFrame(n);
      const { hashes, flat, count } = item.frames;
      for (let k = 0; k < count; k++) {
        if (flat[k]) continue;
        for (const { hi, lo } of probes) note(first + k, popcount32(hashes[2 * k] ^ hi) + popcount32(hashes[2 * k + 1] ^ lo));
      }
    });
  } else {
    const mih = index.multiIndex();
    for (const { hi, lo } of probes) mih.search(hi, lo, STILL_MAX_DISTANCE, 1, note);
  }
  return stillMatches(
    [...hits].map(([id, distance]) => {
      const item = index.itemOf(id);
      return { item, frame: id - index.firstFrame(item), distance };
    }),
    (n) => index.items[n],
  );
}

/** The same on the database's multi-index (as the in-memory one past SCAN_FRAMES: substrings within one bit). */
export async function searchStillInDatabase(keys: FrameKeyIndex, libraryId: string, query: QueryFrames): Promise<Match[]> {
  const probes = stillProbes(query);
  let matches: Match[] = [];
  if (probes.length) {
    await keys.search(libraryId, probes, STILL_MAX_DISTANCE, (hits, describe) => ((matches = stillMatches(hits, describe)), []), 1);
  }
  return matches;
}

/** The picture's distinct hashes (frame 0 of the query carries it: a still is decoded as a one-second clip of itself); none when flat. */
function stillProbes(query: QueryFrames): Probe[] {
  if (query.flat[0]) return [];
  const probes: Probe[] = [];
  for (let i = 0; i < query.variants; i++) {
    const hi = query.hashes[2 * i];
    const lo = query.hashes[2 * i + 1];
    if (!probes.some((p) => p.hi === hi && p.lo === lo)) probes.push({ frame: 0, hi, lo });
  }
  return probes;
}

/** Library frames near the picture (at most one per item and frame) as each item's runs of frames. */
function stillMatches(hits: Array<Pick<FrameHit, 'item' | 'frame' | 'distance'>>, describe: (item: number) => ItemFacts): Match[] {
  const byItem = new Map<number, Array<[number, number]>>();
  for (const { item, frame, distance } of hits) {
    const list = byItem.get(item) ?? [];
    list.push([frame, distance]);
    byItem.set(item, list);
  }
  const matches: Match[] = [];
  for (const [n, frames] of byItem) {
    const item = describe(n);
    const segments = runsOf(frames, (from, to, similarity) => ({
      StartTime: 0,
      EndTime: 0,
      MasterStartTime: round(from / item.fps),
      MasterEndTime: round(Math.min((to + 1) / item.fps, item.duration)),
      Similarity: similarity,
    }));
    if (segments.length) matches.push(stillMatch(item.key, segments));
  }
  return sortMatches(matches);
}

/**
 * Runs of consecutive frames (gaps of at most 2) among (frame, distance) hits, as segments made by
 * `segment`. The best MAX_SEGMENTS_PER_ITEM are kept.
 */
function runsOf(hits: Array<[number, number]>, segment: (from: number, to: number, similarity: number) => MatchSegment): MatchSegment[] {
  hits.sort((a, b) => a[0] - b[0]);
  const segments: MatchSegment[] = [];
  let start = 0;
  for (let i = 1; i <= hits.length; i++) {
    if (i < hits.length && hits[i][0] - hits[i - 1][0] <= 2) continue;
    const run = hits.slice(start, i);
    start = i;
    const best = run.reduce((least, f) => Math.min(least, f[1]), Infinity);
    segments.push(segment(run[0][0], run[run.length - 1][0], round(pairSimilarity(best))));
  }
  return segments
    .sort((a, b) => b.Similarity - a.Similarity)
    .slice(0, MAX_SEGMENTS_PER_ITEM)
    .sort((a, b) => a.StartTime - b.StartTime || a.MasterStartTime - b.MasterStartTime);
}

const stillMatch = (key: string, segments: MatchSegment[]): Match => ({
  PrimaryKey: key,
  GlobalSimilarity: segments.reduce((most, s) => Math.max(most, s.Similarity), 0),
  VideoMatchSegments: segments,
  AudioMatchSegments: [],
  TextMatchSegments: [],
});

const sortMatches = (matches: Match[]) =>
  matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));

/**
 * The other direction, for an image library: where in a query video each library picture appears.
 * Every query frame (all its variants) is compared with every picture; runs of query frames become
 * VideoMatchSegments on the query's timeline (the master side of a picture is the instant 0).
 */
export function searchForStills(index: VideoIndex, query: QueryFrames): Match[] {
  const v = query.variants;
  const hitsPerItem = new Map<number, Map<number, number>>();
  const note = (n: number, k: number, d: number) => {
    if (d > STILL_MAX_DISTANCE) return;
    const hits = hitsPerItem.get(n) ?? new Map<number, number>();
    if ((hits.get(k) ?? 99) > d) hits.set(k, d);
    hitsPerItem.set(n, hits);
  };
  const scan = index.totalFrames <= SCAN_FRAMES;
  const mih = scan ? undefined : index.multiIndex();
  for (let k = 0; k < query.count; k++) {
    if (query.flat[k]) continue;
    for (let x = 0; x < v; x++) {
      const hi = query.hashes[2 * (k * v + x)];
      const lo = query.hashes[2 * (k * v + x) + 1];
      if (mih) {
        mih.search(hi, lo, STILL_MAX_DISTANCE, 1, (id, d) => note(index.itemOf(id), k, d));
        continue;
      }
      index.items.forEach((item, n) => {
        const { hashes, flat, count } = item.frames;
        for (let f = 0; f < count; f++) {
          if (!flat[f]) note(n, k, popcount32(hashes[2 * f] ^ hi) + popcount32(hashes[2 * f + 1] ^ lo));
        }
      });
    }
  }
  const matches: Match[] = [];
  for (const [n, hits] of hitsPerItem) {
    const segments = runsOf([...hits], (from, to, similarity) => ({
      StartTime: round(from / query.fps),
      EndTime: round(Math.min((to + 1) / query.fps, query.duration)),
      MasterStartTime: 0,
      MasterEndTime: 0,
      Similarity: similarity,
    }));
    if (segments.length) matches.push(stillMatch(index.items[n].key, segments));
  }
  return sortMatches(matches);
}
