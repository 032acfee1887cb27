/** 64-bit hashes live as two 32-bit words (hi, lo) side by side in a Uint32Array. */

const POPCOUNT16 = new Uint8Array(1 << 16);
for (let i = 1; i < POPCOUNT16.length; i++) POPCOUNT16[i] = (i & 1) + POPCOUNT16[i >> 1];

export function popcount32(x: number): number {
  return POPCOUNT16[x & 0xffff] + POPCOUNT16[x >>> 16];
}

/** Hamming distance between hash i of `a` and hash j of `b`. */
export function hamming(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  return popcount32((a[2 * i] ^ b[2 * j]) >>> 0) + popcount32((a[2 * i + 1] ^ b[2 * j + 1]) >>> 0);
}

export function hashToHex(h: Uint32Array, i: number): string {
  return h[2 * i].toString(16).padStart(8, '0') + h[2 * i + 1].toString(16).padStart(8, '0');
}
