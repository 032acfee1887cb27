import { popcount32 } from '../fingerprint/hamming.js';
import type { VideoIndex } from '../index/video-index.js';
import { pairSimilarity } from './align.js';
import type { Match, MatchSegment, QueryFrames } from './search.js';

/**
 * Largest Hamming distance (of 64) at which a library frame may show the query picture; a run of one
 * frame must be within STILL_SURE_DISTANCE. A real moment of video lasts several samples (each pools
 * 0.75 s), so a lone frame at the loose distance is more likely chance than the picture. Set on a
 * handful of examples, not yet measured on a benchmark.
 */
export const STILL_MAX_DISTANCE = 10;
const STILL_SURE_DISTANCE = 8;
/** Past this many library frames, candidates come from the multi-index instead of a scan. */
const SCAN_FRAMES = 2_000_000;
const MAX_SEGMENTS_PER_ITEM = 10;
const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Where a still picture appears in the library's videos: every library frame within
 * STILL_MAX_DISTANCE of one of the picture's hash variants (crops, mirror, inset), grouped into runs of
 * consecutive frames. Each run is a VideoMatchSegment on the master's timeline; the query side of a
 * still is the instant 0.
 */
export function searchStill(index: VideoIndex, query: QueryFrames): Match[] {
  const v = query.variants;
  // Frame 0 of the query carries the picture (a still is decoded as a one-second clip of itself).
  const probes: Array<[number, number]> = [];
  for (let i = 0; i < v; i++) {
    const hi = query.hashes[2 * i];
    const lo = query.hashes[2 * i + 1];
    if (!probes.some(([h, l]) => h === hi && l === lo)) probes.push([hi, lo]);
  }
  if (query.flat[0]) return [];
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
        for (const [hi, lo] of probes) note(first + k, popcount32(hashes[2 * k] ^ hi) + popcount32(hashes[2 * k + 1] ^ lo));
      }
    });
  } else {
    const mih = index.multiIndex();
    for (const [hi, lo] of probes) mih.search(hi, lo, STILL_MAX_DISTANCE, 1, note);
  }
  const byItem = new Map<number, Array<[number, number]>>();
  for (const [id, d] of hits) {
    const n = index.itemOf(id);
    const list = byItem.get(n) ?? [];
    list.push([id - index.firstFrame(n), d]);
    byItem.set(n, list);
  }
  const matches: Match[] = [];
  for (const [n, frames] of byItem) {
    const item = index.items[n];
    frames.sort((a, b) => a[0] - b[0]);
    const segments: MatchSegment[] = [];
    let start = 0;
    for (let i = 1; i <= frames.length; i++) {
      if (i < frames.length && frames[i][0] - frames[i - 1][0] <= 2) continue;
      const run = frames.slice(start, i);
      start = i;
      const best = Math.min(...run.map((f) => f[1]));
      if (run.length === 1 && best > STILL_SURE_DISTANCE) continue;
      segments.push({
        StartTime: 0,
        EndTime: 0,
        MasterStartTime: round(run[0][0] / item.fps),
        MasterEndTime: round(Math.min((run[run.length - 1][0] + 1) / item.fps, item.duration)),
        Similarity: round(pairSimilarity(best)),
      });
    }
    if (segments.length === 0) continue;
    const kept = segments.sort((a, b) => b.Similarity - a.Similarity).slice(0, MAX_SEGMENTS_PER_ITEM);
    kept.sort((a, b) => a.MasterStartTime - b.MasterStartTime);
    matches.push({
      PrimaryKey: item.key,
      GlobalSimilarity: Math.max(...kept.map((s) => s.Similarity)),
      VideoMatchSegments: kept,
      AudioMatchSegments: [],
      TextMatchSegments: [],
    });
  }
  return matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));
}
