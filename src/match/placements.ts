/**
 * Which placements of the library's window a cropped query shows (fingerprint/video/placements.ts):
 * the query's grid frames, each through its turn of placements, are looked up like any probe; a
 * placement is kept when hits through it find the same stretch of one item (one offset, up to a speed
 * change's drift) on several grid frames that the first look left unexplained. The query is then
 * looked at again through the kept placements on every frame and searched as usual, and only what
 * confirms the grid's votes is kept (confirmedMatches).
 */
import type { FrameHit, Probe } from '../index/frame-key-index.js';
import type { HashSequence } from '../index/video-index.js';
import type { Match, MatchSegment } from './result.js';
import { placementsAt } from '../fingerprint/video/placements.js';

/** A query's grid: every `step`-th frame through each of `views` placements (see VideoFingerprint). */
export interface PlacementGrid {
  step: number;
  views: number;
  hashes: Uint32Array;
}

/** Grid frames that must find the same stretch of an item, through any placement, for it to count. */
const MIN_GRID_VOTES = 3;
/** Share of an item's grid frames within the first look's segments of it past which the grid found nothing new. */
const COVERED = 0.8;
/** Placements kept at most (each one more look at every frame of the query). */
const MAX_PLACEMENTS = 3;

/** The grid's hashes to look up (each grid frame's turn of placements), on the frames that are not flat;
 *  a probe's `frame` is grid frame x views + placement. */
export function placementProbes(grid: PlacementGrid, query: Pick<HashSequence, 'count' | 'flat'>): Probe[] {
  const probes: Probe[] = [];
  for (let g = 0; g * grid.step < query.count; g++) {
    if (query.flat[g * grid.step]) continue;
    for (const p of placementsAt(g)) {
      const at = 2 * (g * grid.views + p);
      probes.push({ frame: g * grid.views + p, hi: grid.hashes[at], lo: grid.hashes[at + 1] });
    }
  }
  return probes;
}

/** The query's frames through given placements (indexes into the grid's views), one variant each. */
export type LookAgain = (placements: number[]) => Promise<HashSequence>;

/** A placement (an index into the grid's views) that found an item (`key`) on `frames`, the grid
 *  frames (query frame numbers) that agree on one stretch of it through any placement, at offsets
 *  (library frame minus query frame) from offsets[0] to offsets[1]. */
export interface PlacementVotes {
  placement: number;
  votes: number;
  key: string;
  frames: number[];
  offsets: [number, number];
}

/** Seconds a segment of the second look may lie beyond the offsets its grid frames agreed on. */
const OFFSET_SLACK_SECONDS = 2;
/** Shortest segment the second look reports: it looks through up to 27 placements, and a few seconds
 *  of a low-texture scene through one of them can pass for a copy (seen on the tune half: 3.8 s). */
const MIN_PLACED_SECONDS = 5;

/** Whether query frame `frame` (at `fps`) lies inside segment `s`. */
const inSegment = (frame: number, fps: number, s: MatchSegment) => s.StartTime <= frame / fps && frame / fps < s.EndTime;

/**
 * The placements that hits through them support, one per item: the offset (library frame
 * minus query frame) that the most grid frames agree on within `drift` frames, and there the placement
 * most of those grid frames found it through.
 */
export function supportedPlacements(
  hits: Iterable<FrameHit>,
  grid: Pick<PlacementGrid, 'step' | 'views'>,
  queryCount: number,
  keyOf: (item: number) => string,
): PlacementVotes[] {
  const byItem = new Map<number, Array<{ offset: number; g: number; p: number; distance: number }>>();
  for (const hit of hits) {
    const g = Math.floor(hit.probe / grid.views);
    const list = byItem.get(hit.item) ?? [];
    list.push({ offset: hit.frame - g * grid.step, g, p: hit.probe % grid.views, distance: hit.distance });
    byItem.set(hit.item, list);
  }
  const drift = Math.ceil(queryCount * 0.1) + 2;
  const found: PlacementVotes[] = [];
  for (const [item, list] of byItem) {
    list.sort((a, b) => a.offset - b.offset);
    // The window of offsets [from, to) holding the most distinct grid frames (a count per grid frame in it).
    const inWindow = new Map<number, number>();
    let [from, to, bestFrames] = [0, 0, 0];
    for (let lo = 0, hi = 0; lo < list.length; lo++) {
      for (; hi < list.length && list[hi].offset <= list[lo].offset + drift; hi++) inWindow.set(list[hi].g, (inWindow.get(list[hi].g) ?? 0) + 1);
      if (inWindow.size > bestFrames) [from, to, bestFrames] = [lo, hi, inWindow.size];
      const left = inWindow.get(list[lo].g)! - 1;
      if (left) inWindow.set(list[lo].g, left);
      else inWindow.delete(list[lo].g);
    }
    if (bestFrames < MIN_GRID_VOTES) continue;
    const stretch = list.slice(from, to);
    // Each placement's grid frames and their distances (a grid frame looks through a quarter of the
    // placements, so neighbours share the votes: the nearer wins a tie).
    const votes = new Map<number, { frames: Set<number>; distance: number }>();
    for (const h of stretch) {
      const v = votes.get(h.p) ?? { frames: new Set<number>(), distance: 0 };
      v.frames.add(h.g);
      v.distance += h.distance;
      votes.set(h.p, v);
    }
    const [placement, through] = [...votes].sort((a, b) => b[1].frames.size - a[1].frames.size || a[1].distance - b[1].distance || a[0] - b[0])[0];
    const frames = [...new Set(stretch.map((h) => h.g * grid.step))].sort((a, b) => a - b);
    found.push({ placement, votes: through.frames.size, key: keyOf(item), frames, offsets: [stretch[0].offset, stretch[stretch.length - 1].offset] });
  }
  return found;
}

/**
 * What to look through again: the supported placements whose grid frames the query's matches (`found`)
 * leave mostly unexplained (under COVERED of them inside a segment of any item), best supported first,
 * MAX_PLACEMENTS at most. A copy the first look found also finds its way through the grid, and so do
 * other copies of the same pictures in the library (pieces of one film, a re-upload): looking at those
 * moments again would cost a decode and find nothing new.
 */
export function bestPlacements(supported: PlacementVotes[], found: Match[], fps: number): PlacementVotes[] {
  const segments = found.flatMap((m) => m.VideoMatchSegments);
  const matched = (s: PlacementVotes) => s.frames.filter((f) => segments.some((seg) => inSegment(f, fps, seg))).length;
  const missed = supported.filter((s) => matched(s) < COVERED * s.frames.length);
  return missed.sort((a, b) => b.votes - a.votes || a.placement - b.placement).slice(0, MAX_PLACEMENTS);
}

/**
 * What the second look found that its grid frames had found first: segments of the items they found,
 * at the offsets they agreed on (give or take OFFSET_SLACK_SECONDS), spanning at least MIN_GRID_VOTES
 * of those grid frames and MIN_PLACED_SECONDS. A chance grid vote and a chance alignment seldom agree,
 * so the second look adds copies, not coincidences.
 */
export function confirmedMatches(placed: Match[], chosen: PlacementVotes[], fps: number): Match[] {
  return placed.flatMap((m) => {
    const at = chosen.filter((c) => c.key === m.PrimaryKey);
    const agree = (s: MatchSegment) =>
      s.EndTime - s.StartTime >= MIN_PLACED_SECONDS &&
      at.some(
        (c) =>
          s.MasterStartTime - s.StartTime >= c.offsets[0] / fps - OFFSET_SLACK_SECONDS &&
          s.MasterStartTime - s.StartTime <= c.offsets[1] / fps + OFFSET_SLACK_SECONDS &&
          c.frames.filter((f) => inSegment(f, fps, s)).length >= MIN_GRID_VOTES,
      );
    const segments = m.VideoMatchSegments.filter(agree);
    return segments.length ? [{ ...m, VideoMatchSegments: segments }] : [];
  });
}
