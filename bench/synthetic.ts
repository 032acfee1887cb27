/**
 * Synthetic video libraries for the search benchmarks (bench:speed, bench:scale): one-hour items of
 * random frame hashes (uniform bits, as a balanced hash has), and 60 s queries cut from them with a few
 * bits flipped per frame. Each item is made from its own seed, so a library can be written to a store
 * one item at a time and never held whole in memory.
 */
import { VIDEO_DEFAULTS } from '../src/config.js';
import { QUERY_VARIANTS, wholePictureVariants } from '../src/fingerprint/video/fingerprint.js';
import { gridFrameStep, PLACEMENTS } from '../src/fingerprint/video/placements.js';
import type { HashSequence, ItemFrames } from '../src/index/video-index.js';
import type { QueryFrames } from '../src/match/search.js';
import { rng } from './random.js';

export const FPS = VIDEO_DEFAULTS.sampleFps;
const ITEM_SECONDS = 3600;

/** Item `n` (one hour, key `synthetic-n`) of the library made from `seed`: its frames and their strips. */
export function syntheticItem(n: number, seed: number): ItemFrames & { strip: Pick<ItemFrames, 'hashes' | 'flat'> } {
  const next = rng(seed * 1_000_003 + n);
  const count = ITEM_SECONDS * FPS;
  const random = () => Uint32Array.from({ length: count * 2 }, next);
  const hashes = random();
  return { key: `synthetic-${n}`, fps: FPS, duration: ITEM_SECONDS, count, hashes, flat: new Uint8Array(count), strip: { hashes: random(), flat: new Uint8Array(count) } };
}

/** A library of `hours` one-hour items. */
export function syntheticItems(hours: number, seed: number): ItemFrames[] {
  return Array.from({ length: hours }, (_, n) => syntheticItem(n, seed));
}

/** A 60 s query: `item`'s frames from `start` s with `noise` bits flipped per frame in variant 0, the other variants unrelated. */
export function syntheticQuery(item: Pick<ItemFrames, 'hashes'>, start: number, noise: number, seed: number): QueryFrames {
  const next = rng(seed);
  const count = 60 * FPS;
  const variants = QUERY_VARIANTS.length;
  const hashes = new Uint32Array(count * variants * 2);
  for (let k = 0; k < hashes.length; k++) hashes[k] = next();
  for (let q = 0; q < count; q++) {
    const m = start * FPS + q;
    let hi = item.hashes[2 * m];
    let lo = item.hashes[2 * m + 1];
    for (let b = 0; b < noise; b++) {
      const bit = next() % 64;
      if (bit < 32) hi ^= 1 << bit;
      else lo ^= 1 << (bit - 32);
    }
    hashes[2 * q * variants] = hi >>> 0;
    hashes[2 * q * variants + 1] = lo >>> 0;
  }
  // Every frame portrait, with a strip of its own: the strips are searched too (the costlier case).
  const strip = { hashes: Uint32Array.from({ length: count * 2 }, next), flat: new Uint8Array(count) };
  const wholePicture = wholePictureVariants(QUERY_VARIANTS);
  // The grid of placements a query looks through (fingerprint/video/placements.ts): unrelated views.
  const views = PLACEMENTS.length;
  const step = gridFrameStep(count);
  const placements = { step, views, hashes: Uint32Array.from({ length: Math.ceil(count / step) * views * 2 }, next) };
  return { count, variants, hashes, flat: new Uint8Array(count), fps: FPS, duration: 60, wholePicture, strip, portrait: new Uint8Array(count).fill(1), placements };
}

/** A second look at a synthetic query (as LibraryIndexes.search asks for one): its library view through each placement. */
export const lookAgainAtSynthetic =
  (query: QueryFrames) =>
  async (placements: number[]): Promise<HashSequence> => {
    const hashes = new Uint32Array(query.count * placements.length * 2);
    for (let q = 0; q < query.count; q++) {
      for (let p = 0; p < placements.length; p++) hashes.set(query.hashes.subarray(2 * q * query.variants, 2 * q * query.variants + 2), 2 * (q * placements.length + p));
    }
    return { count: query.count, variants: placements.length, hashes, flat: query.flat };
  };

/** The r-th of a benchmark's queries against a library of `hours` items: which item, from when (s). */
export function queryPlace(r: number, hours: number): { item: number; start: number } {
  return { item: (r * 7919) % hours, start: 60 + ((r * 131) % 3000) };
}
