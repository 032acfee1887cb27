import type { Rect } from './region.js';

export interface BorderOptions {
  maxMean: number;
  maxStd: number;
}

/** No side loses more than this share of the picture to border removal. */
const MAX_SIDE_SHARE = 0.3;

/** Share of a window's frames in which a line must be dark and flat to count as a bar. */
const BAR_AGREEMENT = 0.95;

/**
 * The picture area inside letterbox/pillarbox bars, found over a window of frames: a line (row or
 * column) is border when it is dark and flat in nearly every frame, and bars come in symmetric pairs
 * (the thinner side wins). Both rules keep a dark sky or a night scene from being taken for a bar,
 * which would make the same picture hash differently in a library and in a query cut elsewhere.
 */
export function contentRect(frames: Uint8Array[], size: number, opts: BorderOptions): Rect {
  if (frames.length === 0) return { x: 0, y: 0, w: size, h: size };
  const lineIsBorder = (horizontal: boolean, line: number): boolean => {
    let dark = 0;
    for (const f of frames) {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < size; i++) {
        const p = horizontal ? f[line * size + i] : f[i * size + line];
        sum += p;
        sq += p * p;
      }
      const mean = sum / size;
      if (mean <= opts.maxMean && Math.sqrt(Math.max(0, sq / size - mean * mean)) <= opts.maxStd) dark++;
    }
    return dark >= BAR_AGREEMENT * frames.length;
  };
  const limit = Math.floor(size * MAX_SIDE_SHARE);
  const scan = (horizontal: boolean, fromStart: boolean): number => {
    let n = 0;
    while (n < limit && lineIsBorder(horizontal, fromStart ? n : size - 1 - n)) n++;
    return n;
  };
  const rows = Math.min(scan(true, true), scan(true, false));
  const cols = Math.min(scan(false, true), scan(false, false));
  const [top, bottom, left, right] = [rows, rows, cols, cols];
  return { x: left, y: top, w: size - left - right, h: size - top - bottom };
}
