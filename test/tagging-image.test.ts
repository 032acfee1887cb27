import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cropFrame, encodeJpeg, readImage, rotateFrame } from '../src/tagging/image.js';
import type { Frame } from '../src/tagging/types.js';
import { media } from './helpers.js';

const pixel = (f: Frame, x: number, y: number) => [...f.rgb.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3)];

test('a photo reads as an RGB frame of its size, scaled down when huge', async () => {
  const small = await readImage(media('faces/kphotoalbum_jesper.jpg'));
  assert.deepEqual([small.width, small.height], [800, 533]);
  assert.equal(small.rgb.length, 800 * 533 * 3);
  const big = await readImage(media('faces/facerec_obama3.jpg'));
  assert.equal(Math.max(big.width, big.height), 2048);
  await assert.rejects(readImage(media('ocr/tesseract_phototest.txt')), (e: Error & { code?: string }) => e.code !== undefined);
});

test('quarter turns and crops move pixels where they belong', () => {
  // 3x2 frame: pixel value = its index.
  const f: Frame = { time: 0, width: 3, height: 2, rgb: Buffer.from([...Array(6).keys()].flatMap((i) => [i, i, i])) };
  const cw = rotateFrame(f, 1);
  assert.deepEqual([cw.width, cw.height], [2, 3]);
  assert.deepEqual(pixel(cw, 1, 0), [0, 0, 0]); // top-left goes to top-right
  assert.deepEqual(pixel(cw, 0, 0), [3, 3, 3]);
  assert.deepEqual(rotateFrame(rotateFrame(f, 2), 2).rgb, f.rgb);
  assert.deepEqual(rotateFrame(cw, 3).rgb, f.rgb);
  const c = cropFrame(f, { x: 1, y: 1, width: 5, height: 5 });
  assert.deepEqual([c.width, c.height], [2, 1]);
  assert.deepEqual(pixel(c, 0, 0), [4, 4, 4]);
});

test('a frame encodes to a small JPEG', async () => {
  const jpeg = await encodeJpeg(await readImage(media('faces/kphotoalbum_jesper.jpg')));
  assert.equal(jpeg.subarray(0, 2).toString('hex'), 'ffd8');
  assert.ok(jpeg.length > 1000 && jpeg.length < 40_000, `${jpeg.length} bytes`);
});
