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
 * `area` confines the search to one part of the picture (a panel of a split screen has bars of its own).
 */
export function contentRect(frames: Uint8Array[], size: number, opts: BorderOptions, area: Rect = { x: 0, y: 0, w: size, h: size }): Rect {
  if (frames.length === 0) return area;
  const x0 = Math.ceil(area.x);
  const y0 = Math.ceil(area.y);
  const x1 = Math.floor(area.x + area.w);
  const y1 = Math.floor(area.y + area.h);
  const lineIsBorder = (horizontal: boolean, line: number): boolean => {
    const [from, to] = horizontal ? [x0, x1] : [y0, y1];
    const n = to - from;
    let dark = 0;
    for (const f of frames) {
      let sum = 0;
      let sq = 0;
      for (let i = from; i < to; i++) {
        const p = horizontal ? f[line * size + i] : f[i * size + line];
        sum += p;
        sq += p * p;
      }
      const mean = sum / n;
      if (mean <= opts.maxMean && Math.sqrt(Math.max(0, sq / n - mean * mean)) <= opts.maxStd) dark++;
    }
    return dark >= BAR_AGREEMENT * frames.length;
  };
  const scan = (horizontal: boolean, fromStart: boolean): number => {
    const [first, last] = horizontal ? [y0, y1 - 1] : [x0, x1 - 1];
    const limit = Math.floor((last - first + 1) * MAX_SIDE_SHARE);
    let n = 0;
    while (n < limit && lineIsBorder(horizontal, fromStart ? first + n : last - n)) n++;
    return n;
  };
  const rows = Math.min(scan(true, true), scan(true, false));
  const cols = Math.min(scan(false, true), scan(false, false));
  return { x: x0 + cols, y: y0 + rows, w: x1 - x0 - 2 * cols, h: y1 - y0 - 2 * rows };
}
