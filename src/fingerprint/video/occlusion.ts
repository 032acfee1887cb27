/**
 * A still, flat patch laid over a copy — a box, a sticker, a banner — found over a window of query
 * frames: the largest connected patch of pixels that neither change over the window nor differ from
 * their neighbours, when it is nearly a rectangle. The query then also hashes the picture with that
 * patch masked out as the library masks its caption band (filled with the mean of the rest): a solid
 * colour over a tenth of the picture moves the low DCT coefficients far more than its mean does.
 */
import type { Rect } from './region.js';

export interface OccluderOptions {
  /** Grey levels a pixel may vary over the window and still count as still. */
  stillRange: number;
  /** Grey-level step to a neighbour under which a still pixel counts as flat. */
  flatStep: number;
  /** The patch's rectangle takes this share of the picture at least, and at most maxShare. */
  minShare: number;
  maxShare: number;
  /** Share of its bounding rectangle the patch must fill (a box, not the outline of a static scene's wall). */
  minFill: number;
}

export const OCCLUDER_DEFAULTS: OccluderOptions = { stillRange: 8, flatStep: 3, minShare: 0.04, maxShare: 0.4, minFill: 0.85 };

const MIN_FRAMES = 8;
const NEIGHBOURS = [[1, 0], [-1, 0], [0, 1], [0, -1]] as const;

export function findOccluder(frames: Uint8Array[], size: number, area: Rect, opts: OccluderOptions = OCCLUDER_DEFAULTS): Rect | undefined {
  if (frames.length < MIN_FRAMES) return undefined;
  const x0 = Math.ceil(area.x);
  const y0 = Math.ceil(area.y);
  const x1 = Math.floor(area.x + area.w);
  const y1 = Math.floor(area.y + area.h);
  const lo = new Uint8Array(size * size).fill(255);
  const hi = new Uint8Array(size * size);
  for (const f of frames) {
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * size + x;
        if (f[i] < lo[i]) lo[i] = f[i];
        if (f[i] > hi[i]) hi[i] = f[i];
      }
    }
  }
  const inside = (x: number, y: number) => x >= x0 && x < x1 && y >= y0 && y < y1;
  const still = (i: number) => hi[i] - lo[i] <= opts.stillRange;
  const level = (i: number) => (hi[i] + lo[i]) / 2;
  const patch = new Uint8Array(size * size);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * size + x;
      if (!still(i)) continue;
      let flat = true;
      for (const [dx, dy] of NEIGHBOURS) {
        if (!inside(x + dx, y + dy)) continue;
        const j = (y + dy) * size + x + dx;
        if (!still(j) || Math.abs(level(i) - level(j)) > opts.flatStep) flat = false;
      }
      if (flat) patch[i] = 1;
    }
  }
  // The largest 4-connected patch that nearly fills its bounding rectangle, of a size an occluder has (a
  // plain sky or wall larger than the sticker must not hide it).
  const areaSize = (x1 - x0) * (y1 - y0);
  const fits = (count: number, r: Rect) => {
    const share = (r.w * r.h) / areaSize;
    return share >= opts.minShare && share <= opts.maxShare && count >= opts.minFill * r.w * r.h;
  };
  let best: { count: number; rect: Rect } | undefined;
  const seen = new Uint8Array(size * size);
  const stack: number[] = [];
  for (let start = 0; start < patch.length; start++) {
    if (!patch[start] || seen[start]) continue;
    let count = 0;
    let [minX, minY, maxX, maxY] = [size, size, -1, -1];
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % size;
      const y = (i - x) / size;
      count++;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      for (const [dx, dy] of NEIGHBOURS) {
        const j = (y + dy) * size + x + dx;
        if (inside(x + dx, y + dy) && patch[j] && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    const rect = { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
    if (count > (best?.count ?? 0) && fits(count, rect)) best = { count, rect };
  }
  if (!best) return undefined;
  const { rect } = best;
  // One line more on every side: the patch's rim has neighbours that move (and is blurred by scaling and compression).
  const gx0 = Math.max(x0, rect.x - 1);
  const gy0 = Math.max(y0, rect.y - 1);
  const gx1 = Math.min(x1, rect.x + rect.w + 1);
  const gy1 = Math.min(y1, rect.y + rect.h + 1);
  return { x: gx0, y: gy0, w: gx1 - gx0, h: gy1 - gy0 };
}
