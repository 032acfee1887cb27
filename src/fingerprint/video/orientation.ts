/**
 * The picture turned: the seven ways a square can be flipped or rotated besides leaving it alone,
 * less the horizontal mirror (a query variant of its own, nearly free as a sign flip of the DCT). A
 * query frame turned each way undoes a re-upload rotated by 90°, 180° or 270°, flipped upside down, or
 * transposed; a library stores one view and never pays for them.
 */
import type { Rect } from './region.js';

export const ORIENTATIONS = ['rot90', 'rot180', 'rot270', 'vflip', 'transpose', 'transverse'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

/** Where a point of a size x size picture lands once the picture is turned (continuous coordinates). */
const LANDS: Record<Orientation, (x: number, y: number, s: number) => [number, number]> = {
  rot90: (x, y, s) => [s - y, x], // clockwise
  rot180: (x, y, s) => [s - x, s - y],
  rot270: (x, y, s) => [y, s - x], // counter-clockwise
  vflip: (x, y, s) => [x, s - y],
  transpose: (x, y) => [y, x],
  transverse: (x, y, s) => [s - y, s - x],
};

/** A square picture (a grey thumbnail, or the n x n picture a view resamples) turned. */
export function orientFrame<T extends Uint8Array | Float64Array>(frame: T, size: number, o: Orientation): T {
  const out = new (frame.constructor as new (n: number) => T)(size * size);
  const land = LANDS[o];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [tx, ty] = land(x + 0.5, y + 0.5, size);
      out[Math.floor(ty) * size + Math.floor(tx)] = frame[y * size + x];
    }
  }
  return out;
}

/** A region of the picture, where it lies once the picture is turned (the fingerprint turns its resampled views instead: the same, see test/hash.test.ts). */
export function orientRect(r: Rect, size: number, o: Orientation): Rect {
  const [ax, ay] = LANDS[o](r.x, r.y, size);
  const [bx, by] = LANDS[o](r.x + r.w, r.y + r.h, size);
  return { x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay) };
}
