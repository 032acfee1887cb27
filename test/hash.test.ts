import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hamming } from '../src/fingerprint/hamming.js';
import { lowDct, thresholdHash } from '../src/fingerprint/video/dct-hash.js';
import { fingerprintFile, QUERY_VARIANTS } from '../src/fingerprint/video/fingerprint.js';
import { ORIENTATIONS, orientFrame, orientRect, type Orientation } from '../src/fingerprint/video/orientation.js';
import { applyMask, inpaint, resample, subRect } from '../src/fingerprint/video/region.js';
import { ffmpeg, media, tempDir } from './helpers.js';

function hashOf(pixels: Float64Array, n: number, mirror = false): Uint32Array {
  const out = new Uint32Array(2);
  thresholdHash(lowDct(pixels, n), mirror, out, 0);
  return out;
}

function randomPicture(n: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // Smooth blobs: a picture with low-frequency structure, as real frames have.
  const p = new Float64Array(n * n);
  for (let b = 0; b < 6; b++) {
    const cx = rnd() * n;
    const cy = rnd() * n;
    const r = 3 + rnd() * n * 0.3;
    const v = rnd() * 200 - 100;
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) p[y * n + x] += v * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (r * r));
  }
  return p;
}

/** Median of the per-frame distance between two equally sampled fingerprints (variant 0 on both). */
function medianDistance(a: { count: number; hashes: Uint32Array; variants: number; flat: Uint8Array }, b: typeof a): number {
  const d: number[] = [];
  for (let k = 0; k < Math.min(a.count, b.count); k++) {
    if (!a.flat[k] && !b.flat[k]) d.push(hamming(a.hashes, k * a.variants, b.hashes, k * b.variants));
  }
  d.sort((x, y) => x - y);
  return d[Math.floor(d.length / 2)];
}

describe('frame hash', () => {
  it('is identical for identical pictures and balanced (32 bits set)', () => {
    const p = randomPicture(32, 1);
    const a = hashOf(p, 32);
    const b = hashOf(Float64Array.from(p), 32);
    assert.equal(hamming(a, 0, b, 0), 0);
    const ones = [...a].reduce((n, w) => n + w.toString(2).split('1').length - 1, 0);
    assert.equal(ones, 32);
  });

  it('ignores brightness and contrast changes', () => {
    const p = randomPicture(32, 2);
    const q = p.map((v) => v * 0.6 + 40);
    assert.equal(hamming(hashOf(p, 32), 0, hashOf(q, 32), 0), 0);
  });

  it('computes the mirrored hash from the same coefficients', () => {
    const n = 32;
    const p = randomPicture(n, 3);
    const flipped = new Float64Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) flipped[y * n + x] = p[y * n + (n - 1 - x)];
    assert.equal(hamming(hashOf(p, n, true), 0, hashOf(flipped, n), 0), 0);
    assert.ok(hamming(hashOf(p, n), 0, hashOf(flipped, n), 0) > 8, 'a mirrored picture must not match unmirrored');
  });

  it('separates unrelated pictures', () => {
    const distances = [];
    for (let s = 10; s < 30; s++) distances.push(hamming(hashOf(randomPicture(32, s), 32), 0, hashOf(randomPicture(32, s + 100), 32), 0));
    const mean = distances.reduce((a, b) => a + b, 0) / distances.length;
    assert.ok(mean > 22, `mean distance of unrelated pictures ${mean}`);
  });

  it('area-resamples a region exactly on integer grids', () => {
    const src = new Uint8Array(64 * 64).map((_, i) => (i % 64 < 32 ? 10 : 200));
    const out = resample(src, 64, { x: 0, y: 0, w: 64, h: 64 }, 32);
    assert.equal(out[0], 10);
    assert.equal(out[31], 200);
    assert.equal(out[15], 10);
    assert.equal(out[16], 200);
  });
});

describe('inpainting a hidden patch', () => {
  it('continues a smooth picture under the patch and keeps the pixels around it', () => {
    const n = 32;
    const ramp = new Float64Array(n * n).map((_, i) => 40 + 3 * (i % n) + 2 * Math.floor(i / n));
    const hole = new Uint8Array(n * n).map((_, i) => (i % n >= 5 && i % n < 21 && Math.floor(i / n) >= 6 && Math.floor(i / n) < 22 ? 1 : 0));
    const covered = ramp.map((v, i) => (hole[i] ? 0 : v));
    inpaint(covered, n, hole.map((h) => 1 - h), 400);
    for (let i = 0; i < n * n; i++) assert.ok(Math.abs(covered[i] - ramp[i]) < 0.5, `pixel ${i}: ${covered[i]} for ${ramp[i]}`);
  });

  it('gives back a hash close to the uncovered picture\'s where the mean fill does not', () => {
    const n = 32;
    const picture = randomPicture(n, 7);
    const hole = new Uint8Array(n * n).map((_, i) => (i % n >= 4 && i % n < 18 && Math.floor(i / n) >= 6 && Math.floor(i / n) < 20 ? 1 : 0));
    const filled = picture.map((v, i) => (hole[i] ? 0 : v));
    inpaint(filled, n, hole.map((h) => 1 - h));
    const meanFilled = Float64Array.from(picture);
    applyMask(meanFilled, hole.map((h) => 1 - h));
    const dist = (p: Float64Array) => hamming(hashOf(p, n), 0, hashOf(picture, n), 0);
    const near = dist(filled);
    assert.ok(dist(meanFilled) > near + 4, `mean fill: ${dist(meanFilled)} bits off, inpainted ${near}`);
  });
});

describe('orientation', () => {
  const size = 8;
  const frame = Uint8Array.from({ length: size * size }, (_, i) => i);
  it('turns a picture and a region of it alike, and each turn has its inverse among them', () => {
    const rect = { x: 1, y: 2, w: 3, h: 4 };
    for (const o of ORIENTATIONS) {
      const turned = orientFrame(frame, size, o);
      const r = orientRect(rect, size, o);
      // The pixels inside the region land inside the turned region.
      const inside = (f: Uint8Array, q: typeof rect) => [...f].filter((_, i) => i % size >= q.x && i % size < q.x + q.w && Math.floor(i / size) >= q.y && Math.floor(i / size) < q.y + q.h).sort((a, b) => a - b);
      assert.deepEqual(inside(turned, r), inside(frame, rect), o);
      assert.ok(ORIENTATIONS.some((back) => orientFrame(turned, size, back).every((p, i) => p === frame[i])), `${o} has an inverse`);
    }
    assert.deepEqual([...orientFrame(frame, size, 'rot90')].slice(0, size), [56, 48, 40, 32, 24, 16, 8, 0], 'clockwise: the left column becomes the top row');
  });

  it('turns a resampled view as resampling the turned frame over the turned region would (the fingerprint turns 32 x 32 views, not frames)', () => {
    const big = 96;
    const thumb = Uint8Array.from({ length: big * big }, (_, i) => (i * 7919) % 251);
    // A letterboxed picture's border-free area, and the view a query hashes of it.
    const view = subRect({ x: 0, y: 12, w: big, h: 72 }, 0.8);
    for (const o of ORIENTATIONS) {
      const turnedView = orientFrame(resample(thumb, big, view, 32), 32, o);
      const ofTurnedFrame = resample(orientFrame(thumb, big, o), big, orientRect(view, big, o), 32);
      assert.ok(turnedView.every((p, i) => Math.abs(p - ofTurnedFrame[i]) < 1e-9), o);
    }
  });
});

describe('video fingerprint of real media', () => {
  const clip = media('video/openboard_wannaworktogether.mp4');

  it('matches a low-bitrate, resized re-encode and a mirrored copy, and not an unrelated clip', async () => {
    const tmp = tempDir();
    try {
      const reencoded = `${tmp.path}/reencoded.mp4`;
      const mirrored = `${tmp.path}/mirrored.mp4`;
      ffmpeg(['-t', '20', '-i', clip, '-vf', 'scale=320:-2', '-c:v', 'libx264', '-crf', '35', '-an', reencoded]);
      ffmpeg(['-t', '20', '-i', clip, '-vf', 'hflip', '-c:v', 'libx264', '-crf', '23', '-an', mirrored]);
      const original = await fingerprintFile(clip);
      const re = await fingerprintFile(reencoded);
      assert.ok(medianDistance(original, re) <= 4, `re-encode median distance ${medianDistance(original, re)}`);

      const mirrorQuery = await fingerprintFile(mirrored, { variants: QUERY_VARIANTS });
      const mirrorVariant = QUERY_VARIANTS.findIndex((v) => v.mirror && v.fraction === QUERY_VARIANTS[0].fraction);
      const asMirrored = { ...mirrorQuery, hashes: mirrorQuery.hashes.filter((_, i) => Math.floor(i / 2) % mirrorQuery.variants === mirrorVariant), variants: 1 };
      const asIs = { ...mirrorQuery, hashes: mirrorQuery.hashes.filter((_, i) => Math.floor(i / 2) % mirrorQuery.variants === 0), variants: 1 };
      assert.ok(medianDistance(original, asMirrored) <= 6, `mirror variant median distance ${medianDistance(original, asMirrored)}`);
      assert.ok(medianDistance(original, asIs) >= 14, `unmirrored view of a mirrored copy ${medianDistance(original, asIs)}`);

      const unrelated = await fingerprintFile(media('video/fillets_intro.mpg'));
      assert.ok(medianDistance(original, unrelated) >= 20, `unrelated median distance ${medianDistance(original, unrelated)}`);
    } finally {
      tmp.cleanup();
    }
  });

  it('finds copies turned every way (90°, 180°, 270°, upside down, transposed) by the query turning its frames back', async () => {
    const tmp = tempDir();
    try {
      const original = await fingerprintFile(clip);
      const turns: Array<[Orientation, string]> = [['rot90', 'transpose=2'], ['rot270', 'transpose=1'], ['rot180', 'hflip,vflip'], ['vflip', 'vflip'], ['transpose', 'transpose=0']];
      for (const [undo, filter] of turns) {
        const turned = `${tmp.path}/${undo}.mp4`;
        ffmpeg(['-t', '20', '-i', clip, '-vf', `${filter},scale=-2:360`, '-c:v', 'libx264', '-crf', '26', '-an', turned]);
        const query = await fingerprintFile(turned, { variants: QUERY_VARIANTS });
        const only = (variant: number) => ({ ...query, hashes: query.hashes.filter((_, i) => Math.floor(i / 2) % query.variants === variant), variants: 1 });
        const undone = medianDistance(original, only(QUERY_VARIANTS.findIndex((v) => v.orient === undo)));
        assert.ok(undone <= 6, `${filter} undone by ${undo}: median distance ${undone}`);
        assert.ok(medianDistance(original, only(0)) >= 14, `the library's view of a ${filter} copy`);
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('removes letterbox bars before hashing', async () => {
    const tmp = tempDir();
    try {
      const boxed = `${tmp.path}/boxed.mp4`;
      ffmpeg(['-t', '15', '-i', clip, '-vf', 'scale=480:270,pad=480:480:0:105:black', '-c:v', 'libx264', '-crf', '23', '-an', boxed]);
      const original = await fingerprintFile(clip);
      const lb = await fingerprintFile(boxed);
      assert.ok(medianDistance(original, lb) <= 6, `letterboxed median distance ${medianDistance(original, lb)}`);
    } finally {
      tmp.cleanup();
    }
  });
});
