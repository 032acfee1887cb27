/**
 * The multi-index on the database: the four 16-bit substrings of every non-flat library frame are
 * rows with a B-tree index, so that a search asks the database for candidates instead of holding the
 * library's frames in memory (src/store/postgres/frame-keys.ts). The matcher probes it and aligns the
 * windows it picks in memory, with only those windows' frames fetched.
 */
import type { HashSequence } from './video-index.js';

/** Which hashes of the library frames a search looks among: their own, or their centre strips'. */
export type FrameView = 'frames' | 'strips';

/** One hash a query looks up: query frame `frame`'s (hi, lo) in one of its variants. */
export interface Probe {
  frame: number;
  hi: number;
  lo: number;
}

/** A library frame near a probe: query frame, library item (the index's number for it), its frame, and their distance. */
export interface FrameHit {
  probe: number;
  item: number;
  frame: number;
  distance: number;
}

/** What a search reports of an item. */
export interface ItemFacts {
  key: string;
  fps: number;
  duration: number;
}

/** Master frames [from, to) of an item (by the hits' item number). */
export interface FrameWindow {
  item: number;
  from: number;
  to: number;
}

/** A window with what aligning it needs: its item's facts and the window's frames. */
export interface WindowFrames<W extends FrameWindow = FrameWindow> {
  candidate: W;
  item: ItemFacts;
  master: HashSequence;
}

/** Picks the windows to align from the hits; `describe` gives a hit item's facts and frame count. */
export type ChooseWindows<W extends FrameWindow> = (hits: FrameHit[], describe: (item: number) => ItemFacts & { count: number }) => W[];

export interface FrameKeyIndex {
  /**
   * In one snapshot of the library: the library frames within `maxDistance` (of 64 bits) of a probe
   * that share one of its four 16-bit substrings exactly (probeRadius 0) or within one bit (1), each
   * (probe frame, library frame) once at its least distance; the windows `choose` picks from those
   * hits; and the frames of those windows — among the library frames' own hashes, or (`view`
   * 'strips') their centre strips'.
   */
  search<W extends FrameWindow>(
    libraryId: string,
    probes: Probe[],
    maxDistance: number,
    choose: ChooseWindows<W>,
    probeRadius?: 0 | 1,
    view?: FrameView,
  ): Promise<WindowFrames<W>[]>;
}
