import type { Rect } from './region.js';

export interface BorderOptions {
  maxMean: number;
  maxStd: number;
}

/** No side loses more than this share of the picture to border removal. */
const MAX_SIDE_SHARE = 0.3;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/**
 * The picture area inside letterbox/pillarbox bars, found over a window of frames: a line (row or
 * column) is border when it is dark and flat in most frames. Judging a window rather than one frame
 * keeps a dark scene from being taken for a bar.
 */
export function contentRect(frames: Uint8Array[], size: number, opts: BorderOptions): Rect {
  if (frames.length === 0) return { x: 0, y: 0, w: size, h: size };
  const lineIsBorder = (horizontal: boolean, line: number): boolean => {
    const means: number[] = [];
    const stds: number[] = [];
    for (const f of frames) {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < size; i++) {
        const p = horizontal ? f[line * size + i] : f[i * size + line];
        sum += p;
        sq += p * p;
      }
      const mean = sum / size;
      means.push(mean);
      stds.push(Math.sqrt(Math.max(0, sq / size - mean * mean)));
    }
    return median(means) <= opts.maxMean && median(stds) <= opts.maxStd;
  };
  const limit = Math.floor(size * MAX_SIDE_SHARE);
  const scan = (horizontal: boolean, fromStart: boolean): number => {
    let n = 0;
    while (n < limit && lineIsBorder(horizontal, fromStart ? n : size - 1 - n)) n++;
    return n;
  };
  const top = scan(true, true);
  const bottom = scan(true, false);
  const left = scan(false, true);
  const right = scan(false, false);
  return { x: left, y: top, w: size - left - right, h: size - top - bottom };
}
