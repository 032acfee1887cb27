/**
 * Where a re-upload put the copied picture when it did not fill the frame with it: one panel of a
 * split screen (reaction videos, comparisons), or a band over a blurred or plain fill (a landscape
 * video reframed to portrait). Found over a window of query frames; each found area becomes a view
 * the query hashes on its own, so the library keeps one hash per frame.
 */
import { edgePersistence, exactEdge, type EdgeMap } from './edges.js';
import type { Rect } from './region.js';

export interface LayoutOptions {
  /** Grey-level step between neighbouring pixels that counts as an edge. */
  edgeStep: number;
  /** Share of frames (averaged along the line) in which a split line must show as an edge. */
  minSplitPersistence: number;
  /** Split lines lie this far from the picture's sides at least (share of the side); so do panels. */
  minPanelShare: number;
  /** A line whose detail is below this share of the picture's sharpest lines is fill. */
  fillDetailRatio: number;
  /** A band is kept when fill takes at least this share of the side, and the band at least minBandShare. */
  minFillShare: number;
  minBandShare: number;
}

export const LAYOUT_DEFAULTS: LayoutOptions = {
  edgeStep: 10,
  minSplitPersistence: 0.75,
  minPanelShare: 0.25,
  fillDetailRatio: 0.3,
  minFillShare: 0.12,
  minBandShare: 0.25,
};

/**
 * Detail of each pixel over the window: the summed absolute steps to its right and lower neighbours
 * (within `area`). Low where the picture is a plain colour or a blurred fill.
 */
function detailMap(frames: Uint8Array[], size: number, x0: number, y0: number, x1: number, y1: number): { right: Float64Array; down: Float64Array } {
  const right = new Float64Array(size * size);
  const down = new Float64Array(size * size);
  for (const f of frames) {
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * size + x;
        if (x + 1 < x1) right[i] += Math.abs(f[i + 1] - f[i]);
        if (y + 1 < y1) down[i] += Math.abs(f[i + size] - f[i]);
      }
    }
  }
  return { right, down };
}

/** Width over height of `area` (on the square thumbnail) of a picture shown at `aspect` (width over height). */
const shownAspect = (area: Rect, aspect: number) => (area.w * aspect) / area.h;

/** Whether `area` of a picture shown at `aspect` is square or portrait. */
export const isPortrait = (area: Rect, aspect: number) => shownAspect(area, aspect) <= 1;

/** The shape of the strip a vertical (9:16) reframe keeps of a wider picture. */
const STRIP_ASPECT = 9 / 16;

/**
 * The centre strip of the border-free picture `border` of a picture shown at `aspect` that a 9:16
 * copy cropped from it shows, full height: the whole picture when it is that narrow already.
 */
export function stripRect(border: Rect, aspect: number): Rect {
  const share = Math.min(1, STRIP_ASPECT / shownAspect(border, aspect));
  return { x: border.x + (border.w * (1 - share)) / 2, y: border.y, w: border.w * share, h: border.h };
}

/** The bands, by their shape (width over height), in which a portrait reframe centres a landscape picture at full width. */
export const CENTRED_BANDS = { wide: 16 / 9, classic: 4 / 3 } as const;

/**
 * The full-width band of shape `shape` centred in `area`, a portrait picture shown at `aspect`: where
 * a portrait reframe puts a landscape picture, over a fill whose own detail or edges may hide the
 * band from fillBand (a blurred fill of a textured scene, of a static camera's).
 */
export function centredBand(area: Rect, aspect: number, shape: number): Rect | undefined {
  if (!isPortrait(area, aspect)) return undefined;
  const h = (area.w * aspect) / shape;
  return { x: area.x, y: area.y + (area.h - h) / 2, w: area.w, h };
}

/** Most leaves a query is split into (2 side by side, 3 in a row, or a 2 x 2 grid); every part made on the way is a panel too. */
const MAX_PANELS = 4;
const MIN_FRAMES = 8;

/** The best seam across `p` (a straight line that is an edge in nearly every frame), at least
 *  minPanelShare of the side from either end; undefined when none persists enough. */
function bestSeam(edges: EdgeMap, p: Rect, opts: LayoutOptions): { vertical: boolean; at: number; score: number } | undefined {
  let best: { vertical: boolean; at: number; score: number } | undefined;
  for (const vertical of [true, false]) {
    const [from, side] = vertical ? [p.x, p.w] : [p.y, p.h];
    const margin = Math.ceil(side * opts.minPanelShare);
    for (let a = from + margin; a <= from + side - margin; a++) {
      const score = vertical ? edges.vSide(a, p.y, p.y + p.h) : edges.hSide(a, p.x, p.x + p.w);
      if (score >= opts.minSplitPersistence && score > (best?.score ?? 0)) best = { vertical, at: a, score };
    }
  }
  return best;
}

/**
 * The panels of a split screen inside `area`, or undefined when no seam crosses it. Seams are taken
 * best first, each across one panel found so far (a 2 x 2 grid's second seam may show only where its
 * two neighbours differ), until MAX_PANELS. Every part a seam makes is a panel, the halves it was
 * later cut into too: a straight edge inside the copy (a static camera's horizon, a slide's frame)
 * persists like a seam, and the copy is then the part before that cut. Panels of fill (a reframe's
 * blurred bands) are dropped. At most 2 x (MAX_PANELS - 1) = 6 panels, in the order they were made.
 */
export function findPanels(frames: Uint8Array[], size: number, area: Rect, opts: LayoutOptions = LAYOUT_DEFAULTS): Rect[] | undefined {
  if (frames.length < MIN_FRAMES) return undefined;
  const edges = edgePersistence(frames, size, opts.edgeStep);
  const x0 = Math.ceil(area.x);
  const y0 = Math.ceil(area.y);
  const x1 = Math.floor(area.x + area.w);
  const y1 = Math.floor(area.y + area.h);
  const panels: Rect[] = [{ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }];
  const made: Rect[] = [];
  while (panels.length < MAX_PANELS) {
    let pick: { i: number; seam: NonNullable<ReturnType<typeof bestSeam>> } | undefined;
    panels.forEach((p, i) => {
      const seam = bestSeam(edges, p, opts);
      if (seam && seam.score > (pick?.seam.score ?? 0)) pick = { i, seam };
    });
    if (!pick) break;
    const p = panels[pick.i];
    const { vertical } = pick.seam;
    // A panel one line too large carries a stripe of its neighbour, which shifts its hash and hides a letterboxed copy's bars (they must pair).
    const at = vertical ? exactEdge(frames, size, true, pick.seam.at, p.y, p.y + p.h) : exactEdge(frames, size, false, pick.seam.at, p.x, p.x + p.w);
    const parts: Rect[] = vertical
      ? [{ ...p, w: at - p.x }, { ...p, x: at, w: p.x + p.w - at }]
      : [{ ...p, h: at - p.y }, { ...p, y: at, h: p.y + p.h - at }];
    panels.splice(pick.i, 1, ...parts);
    made.push(...parts);
  }
  if (made.length === 0) return undefined;
  // The fill around a reframed copy has seams too: a panel of fill carries nothing to match.
  const { right, down } = detailMap(frames, size, x0, y0, x1, y1);
  const detail = made.map((p) => {
    let sum = 0;
    for (let y = p.y; y < p.y + p.h; y++) for (let x = p.x; x < p.x + p.w; x++) sum += right[y * size + x] + down[y * size + x];
    return sum / (p.w * p.h);
  });
  const sharpest = Math.max(...detail);
  // Half the fill ratio: a dark or soft copy beside a sharp host must not pass for fill.
  return made.filter((_, i) => detail[i] >= (opts.fillDetailRatio / 2) * sharpest);
}

/**
 * The band of `area` that carries the picture when the rest is fill: lines (rows from the top and the
 * bottom, columns from the left and the right) whose detail, over the window, is a small share of the
 * picture's sharpest lines. A blurred copy of the picture behind a smaller sharp one (the common way
 * of turning landscape video portrait) and a plain colour both qualify. Undefined when there is no fill.
 */
export function fillBand(frames: Uint8Array[], size: number, area: Rect, opts: LayoutOptions = LAYOUT_DEFAULTS): Rect | undefined {
  if (frames.length === 0) return undefined;
  const x0 = Math.ceil(area.x);
  const y0 = Math.ceil(area.y);
  const x1 = Math.floor(area.x + area.w);
  const y1 = Math.floor(area.y + area.h);
  // Detail along each row and down each column.
  const steps = detailMap(frames, size, x0, y0, x1, y1);
  const rowDetail = new Float64Array(size);
  const colDetail = new Float64Array(size);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      rowDetail[y] += steps.right[y * size + x];
      colDetail[x] += steps.down[y * size + x];
    }
  }
  const trim = (detail: Float64Array, from: number, to: number): [number, number] => {
    const sorted = Array.from(detail.subarray(from, to)).sort((a, b) => a - b);
    const sharp = sorted[Math.floor(sorted.length * 0.9)];
    const isFill = (a: number) => detail[a] < opts.fillDetailRatio * sharp;
    let lo = from;
    while (lo < to && isFill(lo)) lo++;
    let hi = to;
    while (hi > lo && isFill(hi - 1)) hi--;
    return [lo, hi];
  };
  const [top, bottom] = trim(rowDetail, y0, y1);
  const [left, right] = trim(colDetail, x0, x1);
  const fill = Math.max((top - y0 + y1 - bottom) / (y1 - y0), (left - x0 + x1 - right) / (x1 - x0));
  if (fill < opts.minFillShare) return undefined;
  if (bottom - top < (y1 - y0) * opts.minBandShare || right - left < (x1 - x0) * opts.minBandShare) return undefined;
  return { x: left, y: top, w: right - left, h: bottom - top };
}
