/** A seeded generator of uniform 32-bit words (mulberry32): every bit is usable, unlike a plain
 *  LCG's low bits, which repeat with a short period and would make synthetic hashes collide. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}
