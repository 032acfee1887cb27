/**
 * The split-screen, picture-in-picture, centred-band and occluder finders on synthetic windows of thumbnails: where their
 * seams and sides lie, to the line, and which panels are offered when an edge inside the copy looks
 * like a seam.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findInset } from '../src/fingerprint/video/inset.js';
import { CENTRED_BANDS, centredBand, findPanels } from '../src/fingerprint/video/layout.js';
import { findOccluder } from '../src/fingerprint/video/occlusion.js';
import { rng } from '../bench/random.js';

const SIZE = 96;

/** Frames whose every pixel is its own noise (`shade(x, y)` added), changing from frame to frame. */
function frames(count: number, shade: (x: number, y: number) => number, seed = 1): Uint8Array[] {
  const random = rng(seed);
  return Array.from({ length: count }, () => {
    const f = new Uint8Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) f[y * SIZE + x] = Math.min(255, (random() % 60) + shade(x, y));
    return f;
  });
}

const WHOLE = { x: 0, y: 0, w: SIZE, h: SIZE };

describe('findPanels', () => {
  it('puts a seam on the line where the picture steps, not the line before it', () => {
    // Two panels side by side, the right one brighter: the border lies between columns 47 and 48.
    for (const at of [47, 48, 49]) {
      const panels = findPanels(frames(12, (x) => (x >= at ? 120 : 0)), SIZE, WHOLE);
      assert.deepEqual(panels, [
        { x: 0, y: 0, w: at, h: SIZE },
        { x: at, y: 0, w: SIZE - at, h: SIZE },
      ]);
    }
  });

  it('offers the copy whole when an edge inside it was cut as a seam too', () => {
    // Left: the host. Right: the copy, with a static horizon (bright sky over dark ground) at row 60.
    const panels = findPanels(frames(12, (x, y) => (x >= 48 ? (y < 60 ? 150 : 60) : 0)), SIZE, WHOLE)!;
    assert.ok(panels.length >= 3, JSON.stringify(panels));
    assert.deepEqual(panels.slice(0, 2), [
      { x: 0, y: 0, w: 48, h: SIZE },
      { x: 48, y: 0, w: 48, h: SIZE },
    ]);
    assert.ok(panels.some((p) => p.x === 48 && p.y === 0 && p.h === 60));
  });

  it('finds no panel in a picture without a seam', () => {
    assert.equal(findPanels(frames(12, () => 0), SIZE, WHOLE), undefined);
  });
});

describe('centredBand', () => {
  it('is where a 9:16 reframe centres a 16:9 or 4:3 picture at full width, and only in a portrait picture', () => {
    // 360 x 640 shown: a 16:9 band is 202.5 of 640 rows, from row 218.75 (of 96: 30.375 rows from 32.8125).
    const portrait = 360 / 640;
    assert.deepEqual(centredBand(WHOLE, portrait, CENTRED_BANDS.wide), { x: 0, y: 32.8125, w: SIZE, h: 30.375 });
    assert.deepEqual(centredBand(WHOLE, portrait, CENTRED_BANDS.classic), { x: 0, y: 27.75, w: SIZE, h: 40.5 });
    // Inside a border-free area (bars found above and below), and none in a landscape picture.
    assert.deepEqual(centredBand({ x: 0, y: 8, w: SIZE, h: 80 }, 0.5, 2), { x: 0, y: 36, w: SIZE, h: 24 });
    assert.equal(centredBand(WHOLE, 16 / 9, CENTRED_BANDS.wide), undefined);
  });
});

describe('findInset', () => {
  it('puts each side of an inset on the line where the picture steps', () => {
    const inside = (x: number, y: number) => x >= 49 && x < 93 && y >= 46 && y < 90;
    assert.deepEqual(findInset(frames(12, (x, y) => (inside(x, y) ? 120 : 0)), SIZE, WHOLE), { x: 49, y: 46, w: 44, h: 44 });
  });
});

describe('findOccluder', () => {
  it('finds a still, flat box laid over a moving picture, to its edges; none in the picture alone', () => {
    const withBox = frames(12, () => 0).map((f) => {
      for (let y = 20; y < 50; y++) f.fill(200, y * SIZE + 10, y * SIZE + 40);
      return f;
    });
    assert.deepEqual(findOccluder(withBox, SIZE, WHOLE), { x: 10, y: 20, w: 30, h: 30 });
    assert.equal(findOccluder(frames(12, () => 0), SIZE, WHOLE), undefined);
  });

  it('takes no moving box, no still region that is not a box, and no box over most of the picture', () => {
    const paint = (draw: (f: Uint8Array, n: number) => void) => frames(12, () => 0).map((f, n) => (draw(f, n), f));
    const box = (f: Uint8Array, x: number, y: number, w: number, h: number) => {
      for (let r = y; r < y + h; r++) f.fill(200, r * SIZE + x, r * SIZE + x + w);
    };
    assert.equal(findOccluder(paint((f, n) => box(f, 10 + 3 * n, 20, 30, 30)), SIZE, WHOLE), undefined, 'a moving box');
    // An L of still, flat pixels: its rectangle is half empty.
    assert.equal(findOccluder(paint((f) => (box(f, 10, 10, 50, 10), box(f, 10, 20, 10, 40))), SIZE, WHOLE), undefined, 'an L');
    assert.equal(findOccluder(paint((f) => box(f, 0, 0, 80, 80)), SIZE, WHOLE), undefined, 'a box over 70 %');
    // A larger still region that is no box does not hide the box beside it.
    assert.deepEqual(findOccluder(paint((f) => (box(f, 0, 0, 60, 12), box(f, 0, 12, 12, 60), box(f, 50, 40, 30, 30))), SIZE, WHOLE), { x: 50, y: 40, w: 30, h: 30 });
  });
});
