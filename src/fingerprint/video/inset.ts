import { edgePersistence, exactEdge } from './edges.js';
import type { Rect } from './region.js';

export interface InsetOptions {
  /** Grey-level step between neighbouring pixels that counts as an edge. */
  edgeStep: number;
  /** Share of frames in which an inset's sides must show as edges. */
  minPersistence: number;
  /** Smallest and largest inset side, as shares of the picture's side. */
  minSide: number;
  maxSide: number;
}

export const INSET_DEFAULTS: InsetOptions = { edgeStep: 10, minPersistence: 0.7, minSide: 0.25, maxSide: 0.75 };

/** Score given up per side left unseen, so that a rectangle does not win by sliding against the border. */
const UNSEEN_SIDE_COST = 0.15;

/**
 * Finds a picture-in-picture inset: a rectangle inside `area` whose sides are edges in nearly every
 * frame of the window, while inset and background change independently. Sides lying on the
 * picture's own border are not required (an inset flush with a corner has only two visible sides),
 * but at least two must be seen. Returns undefined when no rectangle is convincing.
 */
export function findInset(frames: Uint8Array[], size: number, area: Rect, opts: InsetOptions = INSET_DEFAULTS): Rect | undefined {
  if (frames.length < 8) return undefined;
  const { vSide, hSide } = edgePersistence(frames, size, opts.edgeStep);

  const ax0 = Math.ceil(area.x);
  const ay0 = Math.ceil(area.y);
  const ax1 = Math.floor(area.x + area.w);
  const ay1 = Math.floor(area.y + area.h);
  const minW = Math.ceil(area.w * opts.minSide);
  const maxW = Math.floor(area.w * opts.maxSide);
  const minH = Math.ceil(area.h * opts.minSide);
  const maxH = Math.floor(area.h * opts.maxSide);
  let best: Rect | undefined;
  let bestScore = opts.minPersistence;
  // The best any vertical side at column a can do over the spans the loops try (for pruning below).
  const vBest = new Float64Array(ax1 + 1).fill(1);
  for (let a = ax0 + 1; a < ax1; a++) {
    let m = 0;
    for (let y0 = ay0; y0 < ay1; y0++) {
      for (let y1 = y0 + minH; y1 <= Math.min(ay1, y0 + maxH); y1++) m = Math.max(m, vSide(a, y0, y1));
    }
    vBest[a] = m;
  }
  // The inset spans columns [x0, x1) and rows [y0, y1); its left side is the edge between x0-1 and x0.
  // Rectangles are tried in this order and the first best one is kept; whole groups are skipped only
  // when their score cannot pass the best so far (the same result as trying them all, 20-50x sooner).
  for (let x0 = ax0; x0 < ax1; x0++) {
    if (x0 > ax0 && vBest[x0] <= bestScore) continue;
    for (let x1 = x0 + minW; x1 <= Math.min(ax1, x0 + maxW); x1++) {
      const verticalSides = (x0 > ax0 ? 1 : 0) + (x1 < ax1 ? 1 : 0);
      const verticalBound = Math.min(1, x0 > ax0 ? vBest[x0] : 1, x1 < ax1 ? vBest[x1] : 1) - (2 - verticalSides) * UNSEEN_SIDE_COST;
      if (verticalBound <= bestScore) continue;
      for (let y0 = ay0; y0 < ay1; y0++) {
        const top = y0 > ay0 ? hSide(y0, x0, x1) : 1;
        if (Math.min(verticalBound, top) - (y0 > ay0 ? 0 : UNSEEN_SIDE_COST) <= bestScore) continue;
        for (let y1 = y0 + minH; y1 <= Math.min(ay1, y0 + maxH); y1++) {
          let sides = 0;
          let worst = 1;
          if (x0 > ax0) {
            worst = Math.min(worst, vSide(x0, y0, y1));
            sides++;
          }
          if (x1 < ax1) {
            worst = Math.min(worst, vSide(x1, y0, y1));
            sides++;
          }
          // Upper bound of the score with both horizontal sides still to be seen.
          if (Math.min(worst, 1) - (2 - sides) * UNSEEN_SIDE_COST <= bestScore) continue;
          if (y0 > ay0) {
            worst = Math.min(worst, top);
            sides++;
          }
          if (y1 < ay1) {
            worst = Math.min(worst, hSide(y1, x0, x1));
            sides++;
          }
          const score = Math.min(worst, 1) - (4 - sides) * UNSEEN_SIDE_COST;
          if (sides >= 2 && score > bestScore) {
            bestScore = score;
            best = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
          }
        }
      }
    }
  }
  if (!best) return undefined;
  // Each side where the picture steps most (one on the picture's border stays there): the edge map
  // scores the lines on both sides of a border alike, and a line of background in the inset's view
  // shifts its hash.
  const { x, y, w, h } = best;
  const left = x > ax0 ? exactEdge(frames, size, true, x, y, y + h) : x;
  const right = x + w < ax1 ? exactEdge(frames, size, true, x + w, y, y + h) : x + w;
  const top = y > ay0 ? exactEdge(frames, size, false, y, x, x + w) : y;
  const bottom = y + h < ay1 ? exactEdge(frames, size, false, y + h, x, x + w) : y + h;
  return { x: left, y: top, w: right - left, h: bottom - top };
}
