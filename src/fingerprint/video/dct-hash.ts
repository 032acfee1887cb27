/**
 * A 64-bit perceptual hash of a grey picture (pHash family): resample the region to N x N, take the
 * 64 lowest-frequency AC coefficients of its 2-D DCT (zig-zag order), and set a bit for each
 * coefficient above their median. Mirroring negates coefficients of odd horizontal frequency, so the
 * mirrored hash costs a sign flip and a second threshold, not a second DCT.
 */

/** (u = horizontal, v = vertical) frequency pairs, lowest first, DC left out. */
const COEFFS: Array<[number, number]> = (() => {
  const pairs: Array<[number, number]> = [];
  for (let s = 1; pairs.length < 64; s++) {
    for (let u = 0; u <= s && pairs.length < 64; u++) pairs.push([u, s - u]);
  }
  return pairs;
})();
const MAX_FREQ = Math.max(...COEFFS.flat());

const basisCache = new Map<number, Float64Array>();
/** cos(pi (2x+1) k / 2N) for k = 0..MAX_FREQ, x = 0..N-1. */
function basis(n: number): Float64Array {
  let b = basisCache.get(n);
  if (!b) {
    b = new Float64Array((MAX_FREQ + 1) * n);
    for (let k = 0; k <= MAX_FREQ; k++) {
      for (let x = 0; x < n; x++) b[k * n + x] = Math.cos((Math.PI * (2 * x + 1) * k) / (2 * n));
    }
    basisCache.set(n, b);
  }
  return b;
}

/** The 64 low-frequency DCT coefficients of an n x n picture, in COEFFS order. */
export function lowDct(pixels: Float64Array, n: number, out = new Float64Array(64)): Float64Array {
  const b = basis(n);
  const k1 = MAX_FREQ + 1;
  const rows = new Float64Array(n * k1); // rows[y][u] = sum_x b[u][x] p[y][x]
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < k1; u++) {
      let acc = 0;
      const bo = u * n;
      const po = y * n;
      for (let x = 0; x < n; x++) acc += b[bo + x] * pixels[po + x];
      rows[y * k1 + u] = acc;
    }
  }
  for (let i = 0; i < 64; i++) {
    const [u, v] = COEFFS[i];
    let acc = 0;
    for (let y = 0; y < n; y++) acc += b[v * n + y] * rows[y * k1 + u];
    out[i] = acc;
  }
  return out;
}

/** Writes the hash of `coeffs` (mirrored if asked) as (hi, lo) at position `at` of `hashes`. */
export function thresholdHash(coeffs: Float64Array, mirror: boolean, hashes: Uint32Array, at: number): void {
  const values = new Float64Array(64);
  for (let i = 0; i < 64; i++) values[i] = mirror && COEFFS[i][0] % 2 === 1 ? -coeffs[i] : coeffs[i];
  const sorted = Float64Array.from(values).sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) if (values[i] > median) hi |= 1 << (31 - i);
  for (let i = 0; i < 32; i++) if (values[32 + i] > median) lo |= 1 << (31 - i);
  hashes[2 * at] = hi >>> 0;
  hashes[2 * at + 1] = lo >>> 0;
}
