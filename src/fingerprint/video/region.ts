/** Rectangles on a square thumbnail, and area resampling of one into an n x n picture. */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The part of `r` covering `fraction` of its width and height, placed at (ax, ay): 0 = against the
 * left/top edge, 0.5 = centred, 1 = against the right/bottom edge.
 */
export function subRect(r: Rect, fraction: number, ax = 0.5, ay = 0.5): Rect {
  const w = r.w * fraction;
  const h = r.h * fraction;
  return { x: r.x + (r.w - w) * ax, y: r.y + (r.h - h) * ay, w, h };
}

/** Box-filter taps of one axis: cell i averages source pixels index[from[i]..from[i + 1]) with their weights. */
interface AxisTaps {
  from: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

/** Taps by (axis, start, length, n): a window's views sample the same rectangles frame after frame. */
const tapsCache = new Map<string, AxisTaps>();
const TAPS_CACHE_LIMIT = 1024;

/** Box-filter weights mapping [start, start + length) of an axis onto n output cells, with pixel indices
 *  clamped to [lo, hi] (outside it the picture goes on as its edge). */
function axisTaps(lo: number, hi: number, start: number, length: number, n: number): AxisTaps {
  const key = `${lo},${hi},${start},${length},${n}`;
  const cached = tapsCache.get(key);
  if (cached) return cached;
  const from = new Int32Array(n + 1);
  const index: number[] = [];
  const weight: number[] = [];
  const step = length / n;
  for (let i = 0; i < n; i++) {
    const a = start + i * step;
    const b = a + step;
    for (let p = Math.floor(a); p < b; p++) {
      const w = Math.min(b, p + 1) - Math.max(a, p);
      if (w > 1e-9) {
        index.push(p < lo ? lo : p > hi ? hi : p);
        weight.push(w / step);
      }
    }
    from[i + 1] = index.length;
  }
  const taps = { from, index: Int32Array.from(index), weight: Float64Array.from(weight) };
  if (tapsCache.size >= TAPS_CACHE_LIMIT) tapsCache.clear();
  tapsCache.set(key, taps);
  return taps;
}

/** The pixel indices [lo, hi] of one axis of `r` (a whole number of pixels, as borders are found). */
const pixelSpan = (start: number, length: number): [number, number] => [Math.ceil(start - 1e-9), Math.floor(start + length + 1e-9) - 1];

/** The pixel indices [lo, hi] of an axis of `within`, or of the whole size x size frame. */
const span = (size: number, within: Rect | undefined, axis: 'x' | 'y'): [number, number] =>
  within ? pixelSpan(within[axis], within[axis === 'x' ? 'w' : 'h']) : [0, size - 1];

/**
 * Area-averages `rect` of the size x size grey `frame` into an n x n picture; where `rect` reaches past
 * `within` (the whole frame unless given), the picture goes on as its nearest edge pixel.
 */
export function resample(frame: Uint8Array, size: number, rect: Rect, n: number, out = new Float64Array(n * n), within?: Rect): Float64Array {
  const [y0, y1] = span(size, within, 'y');
  const clamp = (y: number) => Math.min(y1, Math.max(y0, y));
  const rows = resampleRows(frame, size, rect, n, within, [clamp(Math.floor(rect.y)), clamp(Math.ceil(rect.y + rect.h) - 1)]);
  return resampleColumns(rows, size, rect, n, out, within);
}

/** The first half of resample: rows [first, last] of the frame (every row unless given), [rect.x,
 *  rect.x + rect.w) averaged into n cells (size x n; other rows left 0). Views of one frame that span
 *  the same columns share it. */
export function resampleRows(
  frame: Uint8Array,
  size: number,
  rect: Pick<Rect, 'x' | 'w'>,
  n: number,
  within?: Rect,
  [first, last]: [number, number] = [0, size - 1],
): Float64Array {
  const out = new Float64Array(size * n);
  const xs = axisTaps(...span(size, within, 'x'), rect.x, rect.w, n);
  for (let y = first; y <= last; y++) {
    const base = y * size;
    for (let ox = 0; ox < n; ox++) {
      let acc = 0;
      for (let tx = xs.from[ox]; tx < xs.from[ox + 1]; tx++) acc += frame[base + xs.index[tx]] * xs.weight[tx];
      out[y * n + ox] = acc;
    }
  }
  return out;
}

/** The second half: rows [rect.y, rect.y + rect.h) of resampleRows' result averaged into n x n. */
export function resampleColumns(rows: Float64Array, size: number, rect: Pick<Rect, 'y' | 'h'>, n: number, out = new Float64Array(n * n), within?: Rect): Float64Array {
  const ys = axisTaps(...span(size, within, 'y'), rect.y, rect.h, n);
  out.fill(0);
  for (let oy = 0; oy < n; oy++) {
    for (let ty = ys.from[oy]; ty < ys.from[oy + 1]; ty++) {
      const base = ys.index[ty] * n;
      const wy = ys.weight[ty];
      for (let ox = 0; ox < n; ox++) out[oy * n + ox] += rows[base + ox] * wy;
    }
  }
  return out;
}

export function stdDev(pixels: Float64Array): number {
  let sum = 0;
  let sq = 0;
  for (const p of pixels) {
    sum += p;
    sq += p * p;
  }
  const mean = sum / pixels.length;
  return Math.sqrt(Math.max(0, sq / pixels.length - mean * mean));
}

/**
 * 1 for the pixels of an n x n picture that a hash keeps, 0 for the zones where re-uploads put
 * their additions: a band along the bottom (captions, subtitles) and the two top corners (channel
 * logos). Symmetric left-right, so mirroring maps the mask onto itself.
 */
export function overlayMask(n: number, bottom: number, corner: number): Uint8Array {
  const mask = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const fy = (y + 0.5) / n;
      const fx = (x + 0.5) / n;
      const inBottom = fy > 1 - bottom;
      const inCorner = fy < corner && (fx < corner || fx > 1 - corner);
      mask[y * n + x] = inBottom || inCorner ? 0 : 1;
    }
  }
  return mask;
}

/** Sets the masked-out pixels to the mean of the kept ones, so that they carry no structure. */
export function applyMask(pixels: Float64Array, mask: Uint8Array): void {
  let sum = 0;
  let kept = 0;
  for (let i = 0; i < pixels.length; i++) {
    if (mask[i]) {
      sum += pixels[i];
      kept++;
    }
  }
  const mean = kept ? sum / kept : 0;
  for (let i = 0; i < pixels.length; i++) if (!mask[i]) pixels[i] = mean;
}

/**
 * Fills the pixels of an n x n picture that `mask` leaves out (0) with the smoothest surface meeting the
 * kept ones (Laplace's equation, by over-relaxed Gauss-Seidel from applyMask's mean fill): under a box
 * laid over a copy, the picture's low frequencies go on as around it far more often than they stop at
 * its mean.
 */
export function inpaint(pixels: Float64Array, n: number, mask: Uint8Array, iterations = 80): void {
  const cells: number[] = [];
  for (let i = 0; i < pixels.length; i++) if (!mask[i]) cells.push(i);
  if (!cells.length || cells.length === pixels.length) return;
  applyMask(pixels, mask);
  const omega = 1.8;
  for (let it = 0; it < iterations; it++) {
    for (const i of cells) {
      const x = i % n;
      let acc = 0;
      let count = 0;
      if (x > 0) (acc += pixels[i - 1]), count++;
      if (x < n - 1) (acc += pixels[i + 1]), count++;
      if (i >= n) (acc += pixels[i - n]), count++;
      if (i < n * n - n) (acc += pixels[i + n]), count++;
      pixels[i] += omega * (acc / count - pixels[i]);
    }
  }
}
