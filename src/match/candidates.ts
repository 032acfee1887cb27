/**
 * From a query's frames to the library stretches worth aligning, whichever index answers the probes
 * (the in-memory multi-index, or the database's frame keys): the probes a query sends, and the
 * candidate windows its hits vote for. One hit is a (query frame, library frame) pair within
 * CANDIDATE_DISTANCE that shares a 16-bit substring; each pair counts once, whatever the variant.
 */
import type { FrameHit, FrameWindow, Probe } from '../index/frame-key-index.js';
import type { HashSequence } from '../index/video-index.js';

/** Multi-index hits only count as votes within this distance: far tighter than matchDistance, so
 *  that chance collisions in a large library stay rare while copies (typically 0-8 bits) still vote. */
export const CANDIDATE_DISTANCE = 10;
/** Query frames that must vote for the same stretch of an item for it to be aligned. */
const MIN_INDEX_VOTES = 3;
/** Items aligned at most, best voted first, and stretches per item. */
const MAX_CANDIDATES = 100;
const MAX_WINDOWS = 3;
/** Query frames probed: every other one (a copy leaves votes on most frames). */
const PROBE_FRAME_STEP = 2;

/** A stretch of a library item worth aligning: master frames [from, to). */
export interface Candidate extends FrameWindow {
  votes: number;
}

/** Whether the hash at `at` equals one of the same frame's earlier variants (from `first`). */
function repeatsEarlierVariant(hashes: Uint32Array, first: number, at: number): boolean {
  for (let e = first; e < at; e += 2) if (hashes[e] === hashes[at] && hashes[e + 1] === hashes[at + 1]) return true;
  return false;
}

/** The hashes a query looks up: every other non-flat frame, each distinct variant once, in frame order. */
export function queryProbes(query: HashSequence): Probe[] {
  const probes: Probe[] = [];
  for (let q = 0; q < query.count; q += PROBE_FRAME_STEP) {
    if (query.flat[q]) continue;
    for (let v = 0; v < query.variants; v++) {
      const at = 2 * (q * query.variants + v);
      if (!repeatsEarlierVariant(query.hashes, 2 * q * query.variants, at)) probes.push({ frame: q, hi: query.hashes[at], lo: query.hashes[at + 1] });
    }
  }
  return probes;
}

/**
 * Turns hits into stretches to align: hits of one copy share an offset (master frame minus query
 * frame) up to the drift of a speed change, so each dense cluster of offsets becomes a window. Ties
 * in votes between items go by item key, so that any index with the same hits gives the same windows.
 * @param describe an item's key and frame count, by the hits' item number
 */
export function candidateWindows(hits: Iterable<FrameHit>, queryCount: number, describe: (item: number) => { key: string; count: number }): Candidate[] {
  // Per item: offsets (master frame - query frame) of the hits.
  const offsets = new Map<number, number[]>();
  for (const hit of hits) {
    let list = offsets.get(hit.item);
    if (!list) offsets.set(hit.item, (list = []));
    list.push(hit.frame - hit.probe);
  }
  const drift = Math.ceil(queryCount * 0.25) + 8;
  const candidates: Array<Candidate & { key: string }> = [];
  for (const [item, list] of offsets) {
    if (list.length < MIN_INDEX_VOTES) continue;
    list.sort((a, b) => a - b);
    const { key, count } = describe(item);
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
      const to = Math.min(count, best + queryCount + 3 * drift);
      candidates.push({ item, from, to, votes: bestVotes, key });
    }
  }
  // Stable: an item's windows of equal votes stay in the order they were found (the first is aligned first).
  candidates.sort((a, b) => b.votes - a.votes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return candidates.slice(0, MAX_CANDIDATES).map(({ key: _key, ...c }) => c);
}
