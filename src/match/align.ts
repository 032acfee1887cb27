import type { MatchParams } from '../config.js';
import { hamming, popcount32 } from '../fingerprint/hamming.js';

/** Marks a grid cell where either frame is flat: no evidence either way. */
export const NO_EVIDENCE = 255;

import type { HashSequence } from '../index/video-index.js';
export type { HashSequence };

/**
 * Distances from query frame q (best over its variants) to every master frame, NO_EVIDENCE where
 * either frame is flat. Rows are made one at a time so that memory stays one row per alignment.
 */
export function distanceRow(query: HashSequence, master: HashSequence, q: number, out: Uint8Array, variants = allVariants(query)): Uint8Array {
  const cols = master.count;
  if (query.flat[q]) return out.fill(NO_EVIDENCE, 0, cols);
  const mv = master.variants;
  const qh = query.hashes;
  const mh = master.hashes;
  const nv = variants.length;
  // The row's hashes of the variants asked for, side by side.
  const words = new Uint32Array(2 * nv);
  for (let i = 0; i < nv; i++) {
    words[2 * i] = qh[2 * (q * query.variants + variants[i])];
    words[2 * i + 1] = qh[2 * (q * query.variants + variants[i]) + 1];
  }
  for (let m = 0; m < cols; m++) {
    if (master.flat[m]) {
      out[m] = NO_EVIDENCE;
      continue;
    }
    const mhi = mh[2 * m * mv];
    const mlo = mh[2 * m * mv + 1];
    let best = 64;
    for (let at = 0; at < 2 * nv; at += 2) {
      const d = popcount32((words[at] ^ mhi) >>> 0) + popcount32((words[at + 1] ^ mlo) >>> 0);
      if (d < best) best = d;
    }
    out[m] = best;
  }
  return out;
}

export function allVariants(query: HashSequence): Int32Array {
  return Int32Array.from({ length: query.variants }, (_, v) => v);
}

/** Query rows sampled to find which variants matter. */
const VARIANT_SAMPLE_STEP = 6;

/**
 * The query variants worth comparing against this master: those that come closest (within
 * matchDistance) for some sampled query row, plus the library's own view. A copy keeps one transform
 * for long stretches (mirrored or not, cropped or not), so a few variants carry all the evidence and
 * the others only cost time.
 */
export function activeVariants(query: HashSequence, master: HashSequence, matchDistance: number): Int32Array {
  if (query.variants === 1) return allVariants(query);
  const wins = new Uint32Array(query.variants);
  const mv = master.variants;
  for (let q = 0; q < query.count; q += VARIANT_SAMPLE_STEP) {
    if (query.flat[q]) continue;
    for (let m = 0; m < master.count; m++) {
      if (master.flat[m]) continue;
      let best = matchDistance;
      let winner = -1;
      for (let v = 0; v < query.variants; v++) {
        const at = 2 * (q * query.variants + v);
        const d = popcount32((query.hashes[at] ^ master.hashes[2 * m * mv]) >>> 0) + popcount32((query.hashes[at + 1] ^ master.hashes[2 * m * mv + 1]) >>> 0);
        if (d < best) {
          best = d;
          winner = v;
        }
      }
      if (winner >= 0) wins[winner]++;
    }
  }
  const active = [0];
  wins.forEach((n, v) => v > 0 && n > 0 && active.push(v));
  return Int32Array.from(active);
}

/** A matching run, in frame indices: rows [queryStart, queryEnd] ↔ columns [masterStart, masterEnd]. */
export interface FrameSegment {
  queryStart: number;
  queryEnd: number;
  masterStart: number;
  masterEnd: number;
  /** Mean similarity of the aligned frame pairs: 0 for unrelated pictures, 1 for identical hashes. */
  similarity: number;
  /** Local-alignment score (evidence for the match). */
  score: number;
}

export type AlignParams = MatchParams;

/** Evidence one frame pair adds: positive below matchDistance, negative (down to the floor) above. */
export function pairScore(distance: number, p: AlignParams): number {
  if (distance === NO_EVIDENCE) return 0;
  const t = p.matchDistance;
  if (distance < t) return (t - distance) / t;
  return Math.max(p.mismatchFloor, (t - distance) / 8);
}

/** 0 for a pair of unrelated pictures (about half the bits differ), 1 for identical hashes. */
export function pairSimilarity(distance: number): number {
  return Math.max(0, 1 - distance / 32);
}

/**
 * How many different pictures frames [from, to] of a sequence show (variant 0, the library's view): a frame counts when its hash is more
 * than `distance` bits from the last one counted. A static shot shows one, however long it lasts,
 * and two static shots can look alike without being copies, so a segment with few looks needs more
 * similarity to be believed.
 */
export function distinctLooks(frames: HashSequence, from: number, to: number, distance: number): number {
  let looks = 0;
  let last = -1;
  const h = frames.hashes;
  const v = frames.variants;
  for (let k = from; k <= to; k++) {
    if (frames.flat[k]) continue;
    if (last >= 0 && popcount32((h[2 * k * v] ^ h[2 * last * v]) >>> 0) + popcount32((h[2 * k * v + 1] ^ h[2 * last * v + 1]) >>> 0) <= distance) continue;
    looks++;
    last = k;
  }
  return looks;
}

interface Candidate {
  score: number;
  q0: number;
  m0: number;
  q1: number;
  m1: number;
  simSum: number;
  simCount: number;
}

/**
 * Local alignment (Smith-Waterman) of query frames (rows) against master frames (columns). Diagonal steps collect pair scores;
 * skipping a frame on either side costs skipCost, which lets a path bend for speed changes
 * (0.8-1.25x) and frame drops; a run of unrelated frames drives the score to 0 and ends the segment,
 * so inserted material splits a match into segments. Returns the best non-overlapping (on the query
 * side) segments that pass the thresholds, in query order.
 */
export function alignSegments(query: HashSequence, master: HashSequence, p: AlignParams, fps: number, variants = allVariants(query)): FrameSegment[] {
  const rows = query.count;
  const cols = master.count;
  const cells = new Uint8Array(cols);
  const scoreOf = new Float64Array(256);
  for (let d = 0; d < 256; d++) scoreOf[d] = pairScore(d, p);
  const simOf = new Float64Array(256);
  for (let d = 0; d < 256; d++) simOf[d] = d === NO_EVIDENCE ? 0 : pairSimilarity(d);

  // Rolling rows of path state: score, start cell, similarity sum and count of evidence pairs.
  const mk = () => ({
    h: new Float64Array(cols),
    q0: new Int32Array(cols),
    m0: new Int32Array(cols),
    ss: new Float64Array(cols),
    sc: new Int32Array(cols),
    /** Consecutive skips that led here: a speed change skips now and then, a jump skips in a row. */
    run: new Uint8Array(cols),
  });
  let prev = mk();
  let cur = mk();
  const best = new Map<number, Candidate>();
  const keep = p.minSegmentScore;

  for (let q = 0; q < rows; q++) {
    distanceRow(query, master, q, cells, variants);
    for (let m = 0; m < cols; m++) {
      const d = cells[m];
      const s = scoreOf[d];
      let h = 0;
      let q0 = q;
      let m0 = m;
      let ss = 0;
      let sc = 0;
      let run = 0;
      // Diagonal: this pair extends the path ending at (q-1, m-1), or starts a new one.
      const diagPrev = q > 0 && m > 0 ? prev.h[m - 1] : 0;
      const diag = diagPrev + s;
      if (diag > 0 && (s > 0 || diagPrev > 0)) {
        h = diag;
        if (diagPrev > 0) {
          q0 = prev.q0[m - 1];
          m0 = prev.m0[m - 1];
          ss = prev.ss[m - 1];
          sc = prev.sc[m - 1];
        }
        if (d !== NO_EVIDENCE) {
          ss += simOf[d];
          sc++;
        }
      }
      // Skip a master frame (the query runs faster) or a query frame (it runs slower).
      if (m > 0 && cur.run[m - 1] < p.maxSkipRun && cur.h[m - 1] - p.skipCost > h) {
        h = cur.h[m - 1] - p.skipCost;
        q0 = cur.q0[m - 1];
        m0 = cur.m0[m - 1];
        ss = cur.ss[m - 1];
        sc = cur.sc[m - 1];
        run = cur.run[m - 1] + 1;
      }
      if (q > 0 && prev.run[m] < p.maxSkipRun && prev.h[m] - p.skipCost > h) {
        h = prev.h[m] - p.skipCost;
        q0 = prev.q0[m];
        m0 = prev.m0[m];
        ss = prev.ss[m];
        sc = prev.sc[m];
        run = prev.run[m] + 1;
      }
      cur.h[m] = h;
      cur.q0[m] = q0;
      cur.m0[m] = m0;
      cur.ss[m] = ss;
      cur.sc[m] = sc;
      cur.run[m] = run;
      // Only diagonal steps end a segment: a path never ends on a skip.
      if (h >= keep && h === diag && s > 0) {
        const key = q0 * cols + m0;
        const c = best.get(key);
        if (!c || h > c.score) best.set(key, { score: h, q0, m0, q1: q, m1: m, simSum: ss, simCount: sc });
      }
    }
    [prev, cur] = [cur, prev];
  }

  const minFrames = p.minSegmentSeconds * fps;
  const taken = new Uint8Array(rows);
  const segments: FrameSegment[] = [];
  for (const found of [...best.values()].sort((a, b) => b.score - a.score)) {
    if (segments.length >= p.maxSegmentsPerItem) break;
    const c = trimEnds(query, master, found, variants, p);
    if (!c || c.q1 - c.q0 + 1 < minFrames) continue;
    const similarity = c.simCount ? c.simSum / c.simCount : 0;
    // A static shot on either side counts as one: one picture held against a moving master (or a
    // moving query against a still) is a chance likeness, not a copy.
    const looks = Math.min(distinctLooks(master, c.m0, c.m1, p.lookDistance), c.queryLooks);
    const floor = looks >= p.minLooks ? p.minSegmentSimilarity : p.minStaticSimilarity;
    if (similarity < floor) continue;
    let overlaps = false;
    for (let q = c.q0; q <= c.q1 && !overlaps; q++) overlaps = taken[q] === 1;
    if (overlaps) continue;
    taken.fill(1, c.q0, c.q1 + 1);
    segments.push({ queryStart: c.q0, queryEnd: c.q1, masterStart: c.m0, masterEnd: c.m1, similarity, score: c.score });
  }
  return segments.sort((a, b) => a.queryStart - b.queryStart);
}

/** Master frames either side of the straight line through a segment's ends that a pair may lie on. */
const EDGE_REACH = 2;
/** Bits beyond a segment's median pair distance that still make a sure pair at its ends. */
const EDGE_SLACK = 5;

/** Closest pair of query frame q with master frames [from, to] (over the variants): its distance
 *  (NO_EVIDENCE when every frame is flat) and the query variant that made it. */
function nearestPair(query: HashSequence, master: HashSequence, q: number, from: number, to: number, variants: Int32Array): { d: number; v: number } {
  let best = { d: NO_EVIDENCE, v: variants[0] };
  if (query.flat[q]) return best;
  for (let m = Math.max(0, from); m <= Math.min(master.count - 1, to); m++) {
    if (master.flat[m]) continue;
    for (const v of variants) {
      const d = hamming(query.hashes, q * query.variants + v, master.hashes, m * master.variants);
      if (d < best.d) best = { d, v };
    }
  }
  return best;
}

/**
 * The segment cut back at both ends to its outermost sure pairs (within EDGE_SLACK of its median pair
 * distance, and never beyond `edgeDistance`), following the
 * straight line between its ends, with its similarity taken again over what is left, and the number
 * of distinct pictures the query shows in the views that matched; undefined when no sure pair remains.
 * Local alignment lets a path run on for free through frames that are flat on one side only (a fade,
 * a black gap) and end on any chance likeness: those seconds are not a copy.
 */
function trimEnds(query: HashSequence, master: HashSequence, c: Candidate, variants: Int32Array, p: AlignParams): (Candidate & { queryLooks: number }) | undefined {
  const slope = c.q1 > c.q0 ? (c.m1 - c.m0) / (c.q1 - c.q0) : 1;
  const along = (q: number) => Math.round(c.m0 + (q - c.q0) * slope);
  // pairs[i]: query frame c.q0 + i's nearest master frame on the line, and the view that made it.
  const pairs = Array.from({ length: c.q1 - c.q0 + 1 }, (_, i) => {
    const q = c.q0 + i;
    return nearestPair(query, master, q, along(q) - EDGE_REACH, along(q) + EDGE_REACH, variants);
  });
  // Sure is relative to the segment's own pairs: a copy edited hard sits 8-12 bits from its master
  // throughout, a title card shared by two uploads 0-2 bits, the different films after it 10-14.
  const evidence = pairs.map((x) => x.d).filter((d) => d !== NO_EVIDENCE).sort((a, b) => a - b);
  const typical = evidence.length ? evidence[Math.floor(evidence.length / 2)] : 0;
  const sure = Math.min(p.edgeDistance, typical + EDGE_SLACK);
  let q0 = c.q0;
  let q1 = c.q1;
  while (q0 <= q1 && pairs[q0 - c.q0].d > sure) q0++;
  while (q1 >= q0 && pairs[q1 - c.q0].d > sure) q1--;
  if (q0 > q1) return undefined;
  // The query's pictures as the matching views see them: one held picture is one look, whichever way
  // the rest of the query frame (a host video, a fill) moves.
  const seen: HashSequence = { count: q1 - q0 + 1, variants: 1, hashes: new Uint32Array(2 * (q1 - q0 + 1)), flat: new Uint8Array(q1 - q0 + 1) };
  let simSum = 0;
  let simCount = 0;
  for (let q = q0; q <= q1; q++) {
    const { d, v } = pairs[q - c.q0];
    const at = 2 * (q * query.variants + v);
    seen.hashes[2 * (q - q0)] = query.hashes[at];
    seen.hashes[2 * (q - q0) + 1] = query.hashes[at + 1];
    seen.flat[q - q0] = d === NO_EVIDENCE ? 1 : 0;
    if (d === NO_EVIDENCE) continue;
    simSum += pairSimilarity(d);
    simCount++;
  }
  const queryLooks = distinctLooks(seen, 0, seen.count - 1, p.lookDistance);
  if (q0 === c.q0 && q1 === c.q1) return { ...c, queryLooks };
  return { ...c, q0, q1, m0: Math.max(c.m0, along(q0)), m1: Math.min(c.m1, along(q1)), simSum, simCount, queryLooks };
}
