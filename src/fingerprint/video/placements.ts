/**
 * Where the library's window may lie in a cropped copy. A copy cut down to part of the picture (off
 * centre, then rescaled) shows the library's centred window (LIBRARY_VARIANTS) shifted, enlarged and
 * partly cut off, at a place and scale the query cannot know. So a query looks through a grid of such
 * placements on a few of its frames (a quarter of them on each: placementsAt) — each one the window as
 * the picture would show it were it a crop of share `c` taken at (x0, y0), the part beyond the picture
 * continued from its edges — the search keeps the placements that find the same stretch of an item on
 * several frames (match/placements.ts), and the query is looked at again through those and their
 * neighbours on every frame (fingerprint/media.ts placedFrames).
 *
 * A placement is a rectangle in units of the query's border-free picture (0..1 across and down; it
 * reaches beyond it where the crop cut the window off). Measured on the tune half: a hash through the
 * true placement is 2-10 bits from the library's (median over frames); 1 % of the picture off in each
 * direction adds ~2 bits, 4 % off in scale about as little; 3 % off in each direction, 12-16 (bench/out
 * probes, not kept).
 */
import { VIDEO_DEFAULTS } from '../../config.js';
import type { Rect } from './region.js';

/** Crops looked for, by the share of the picture's width and height they keep: steps of 8 %, each
 *  covering 4 % either way. Below ~0.64 the library's window shows too little of itself to match. */
const SCALES = [0.96, 0.89, 0.82, 0.76, 0.7, 0.64];
/** Steps of the crop's corner, in shares of the source picture: a placement is at most half a step off. */
const POSITION_STEP = 0.025;
/** Grid frames a query aims at (their spacing follows its length, within the bounds below): enough for
 *  the several that must agree (match/placements.ts), few enough that a search stays quick. */
const GRID_FRAMES = 8;
const MIN_FRAME_STEP = 4;
const MAX_FRAME_STEP = 32;

/** Sampled frames between grid frames for a query of about `frames` sampled frames (unknown: 0). */
export const gridFrameStep = (frames: number) => Math.min(MAX_FRAME_STEP, Math.max(MIN_FRAME_STEP, Math.round(frames / GRID_FRAMES) || 16));

/** The library's window as a crop of share `c` at (x0, y0) of the source shows it. */
function windowInCrop(c: number, x0: number, y0: number): Rect {
  const f = VIDEO_DEFAULTS.centreFraction;
  const lo = (1 - f) / 2;
  return { x: (lo - x0) / c, y: (lo - y0) / c, w: f / c, h: f / c };
}

/** Every placement a query tries, largest crops first, with its place in its scale's lattice. */
const LATTICE = SCALES.flatMap((c) => {
  const steps = Math.ceil((1 - c) / POSITION_STEP - 1e-9);
  const at = Array.from({ length: steps + 1 }, (_, i) => ((1 - c) * i) / steps);
  return at.flatMap((y0, iy) => at.map((x0, ix) => ({ rect: windowInCrop(c, x0, y0), scale: c, ix, iy })));
});
export const PLACEMENTS: readonly Rect[] = LATTICE.map((l) => l.rect);

/**
 * The placements grid frame g looks through: one quarter of them, in turn — one corner of each 2 x 2
 * block of its lattice. A copy's window is within a few bits through several neighbouring placements
 * (a block's worth or more, measured on the tune half), so every quarter keeps one of them while each
 * grid frame costs a quarter of the look-ups.
 */
const GRID_TURNS = 4;
const TURNS: readonly number[][] = Array.from({ length: GRID_TURNS }, (_, t) =>
  LATTICE.flatMap((l, p) => ((l.ix % 2) + 2 * (l.iy % 2) === t ? [p] : [])),
);
export const placementsAt = (g: number): readonly number[] => TURNS[g % GRID_TURNS];

/** A placement and its neighbours in its scale's lattice (its 3 x 3 block): the second look goes
 *  through all of them, so that frame by frame the one nearest the copy's true place counts. */
export function withNeighbours(p: number): number[] {
  const { scale, ix, iy } = LATTICE[p];
  return LATTICE.flatMap((l, q) => (l.scale === scale && Math.abs(l.ix - ix) <= 1 && Math.abs(l.iy - iy) <= 1 ? [q] : []));
}

/** A placement (units of the picture) on the thumbnail, given the picture's border-free rectangle. */
export const placedRect = (picture: Rect, placement: Rect): Rect => ({
  x: picture.x + placement.x * picture.w,
  y: picture.y + placement.y * picture.h,
  w: placement.w * picture.w,
  h: placement.h * picture.h,
});
