/**
 * Where the library's window may lie in a cropped copy. A copy cut down to part of the picture (off
 * centre, then rescaled) shows the library's centred window (LIBRARY_VARIANTS) shifted, enlarged and
 * partly cut off, at a place and scale the query cannot know. So a query looks through a grid of such
 * placements on a few of its frames — each one the window as the picture would show it were it a crop
 * of share `c` taken at (x0, y0), the part beyond the picture continued from its edges — the search
 * keeps the placements that find the same stretch of an item on several frames (match/placements.ts),
 * and the query is looked at again through those on every frame (zoomVariants).
 *
 * A placement is a rectangle in units of the query's border-free picture (0..1 across and down; it
 * reaches beyond it where the crop cut the window off). Measured on the tune half: a hash through the
 * true placement is 2-10 bits from the library's; 1 % of the picture off in each direction adds ~2
 * bits, 4 % off in scale about as little; 3 % off in place, 8-12 (bench/out probes, not kept).
 */
import { VIDEO_DEFAULTS } from '../../config.js';
import type { Rect } from './region.js';

/** Crops looked for, by the share of the picture's width and height they keep: steps of 8 %, each
 *  covering 4 % either way. Below ~0.75 the library's window shows too little of itself to match. */
const SCALES = [0.96, 0.89, 0.82, 0.76];
/** Steps of the crop's corner, in shares of the source picture: a placement is at most half a step off. */
const POSITION_STEP = 0.025;
/** Query frames looked at through the grid: every 8th sampled frame (two seconds). */
export const PLACEMENT_FRAME_STEP = 8;

/** The library's window as a crop of share `c` at (x0, y0) of the source shows it. */
function windowInCrop(c: number, x0: number, y0: number): Rect {
  const f = VIDEO_DEFAULTS.centreFraction;
  const lo = (1 - f) / 2;
  return { x: (lo - x0) / c, y: (lo - y0) / c, w: f / c, h: f / c };
}

/** Every placement a query tries, largest crops first. */
export const PLACEMENTS: readonly Rect[] = SCALES.flatMap((c) => {
  const steps = Math.ceil((1 - c) / POSITION_STEP - 1e-9);
  const at = Array.from({ length: steps + 1 }, (_, i) => ((1 - c) * i) / steps);
  return at.flatMap((y0) => at.map((x0) => windowInCrop(c, x0, y0)));
});

/** A placement (units of the picture) on the thumbnail, given the picture's border-free rectangle. */
export const placedRect = (picture: Rect, placement: Rect): Rect => ({
  x: picture.x + placement.x * picture.w,
  y: picture.y + placement.y * picture.h,
  w: placement.w * picture.w,
  h: placement.h * picture.h,
});
