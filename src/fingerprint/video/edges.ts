/**
 * How persistently the lines of a window of square grey thumbnails are edges: the raw material of
 * the layout finders (a picture-in-picture inset, the panels of a split screen), whose borders are
 * straight lines that stay put while the pictures on either side change.
 */
export interface EdgeMap {
  /** Mean share of frames in which the side between columns a-1 and a is a vertical edge, over rows [y0, y1). */
  vSide(a: number, y0: number, y1: number): number;
  /** Likewise for the side between rows a-1 and a, over columns [x0, x1). */
  hSide(a: number, x0: number, x1: number): number;
}

/** Maps already made for a window of frames, by edge step: the inset and panel finders read the same one. */
const made = new WeakMap<Uint8Array[], Map<string, EdgeMap>>();

export function edgePersistence(frames: Uint8Array[], size: number, edgeStep: number): EdgeMap {
  let bySetting = made.get(frames);
  if (!bySetting) made.set(frames, (bySetting = new Map()));
  const key = `${size}:${edgeStep}`;
  let map = bySetting.get(key);
  if (!map) bySetting.set(key, (map = computeEdges(frames, size, edgeStep)));
  return map;
}

function computeEdges(frames: Uint8Array[], size: number, edgeStep: number): EdgeMap {
  // Edge counts at each pixel, from centred differences (a border that falls between two thumbnail
  // pixels blurs over both).
  const vEdge = new Float32Array(size * size);
  const hEdge = new Float32Array(size * size);
  for (const f of frames) {
    for (let y = 1; y < size - 1; y++) {
      for (let x = 1; x < size - 1; x++) {
        const i = y * size + x;
        if (Math.abs(f[i + 1] - f[i - 1]) >= edgeStep) vEdge[i]++;
        if (Math.abs(f[i + size] - f[i - size]) >= edgeStep) hEdge[i]++;
      }
    }
  }
  const n = Math.max(1, frames.length);
  // Prefix sums: vCol[x][y] = sum of vEdge over rows < y in column x; hRow[y][x] likewise along rows.
  const vCol = new Float32Array(size * (size + 1));
  const hRow = new Float32Array(size * (size + 1));
  for (let x = 0; x < size; x++) for (let y = 0; y < size; y++) vCol[x * (size + 1) + y + 1] = vCol[x * (size + 1) + y] + vEdge[y * size + x] / n;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) hRow[y * (size + 1) + x + 1] = hRow[y * (size + 1) + x] + hEdge[y * size + x] / n;
  const vLine = (x: number, y0: number, y1: number) => (vCol[x * (size + 1) + y1] - vCol[x * (size + 1) + y0]) / (y1 - y0);
  const hLine = (y: number, x0: number, x1: number) => (hRow[y * (size + 1) + x1] - hRow[y * (size + 1) + x0]) / (x1 - x0);
  return {
    vSide: (a, y0, y1) => Math.max(vLine(a - 1, y0, y1), vLine(a, y0, y1)),
    hSide: (a, x0, x1) => Math.max(hLine(a - 1, x0, x1), hLine(a, x0, x1)),
  };
}

/**
 * Where exactly an edge found near line `at` lies: centred differences score the lines on both sides
 * of a border alike, so a finder may place it a line early or late; the line before which the picture
 * steps most (over the frames, along [from, to) of the line) is the border. A vertical edge lies
 * between columns at-1 and at, a horizontal one between rows.
 */
export function exactEdge(frames: Uint8Array[], size: number, vertical: boolean, at: number, from: number, to: number): number {
  const step = (a: number) => {
    let sum = 0;
    for (const f of frames) {
      if (vertical) for (let y = from; y < to; y++) sum += Math.abs(f[y * size + a] - f[y * size + a - 1]);
      else for (let x = from; x < to; x++) sum += Math.abs(f[a * size + x] - f[(a - 1) * size + x]);
    }
    return sum;
  };
  let best = at;
  for (const a of [at - 1, at + 1]) if (a > 0 && a < size && step(a) > step(best)) best = a;
  return best;
}
