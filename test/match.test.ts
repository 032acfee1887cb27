import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MATCH_DEFAULTS } from '../src/config.js';
import { popcount32 } from '../src/fingerprint/hamming.js';
import { MultiIndexHash } from '../src/index/multi-index.js';
import { LibraryIndex } from '../src/match/library-index.js';
import { VideoIndex } from '../src/index/video-index.js';
import { alignSegments, type HashSequence } from '../src/match/align.js';
import { searchVideo } from '../src/match/search.js';
import { rng } from '../bench/random.js';

function randomSequence(count: number, seed: number): HashSequence {
  const next = rng(seed);
  const hashes = new Uint32Array(count * 2);
  for (let i = 0; i < hashes.length; i++) hashes[i] = next();
  return { count, variants: 1, hashes, flat: new Uint8Array(count) };
}

/** Frames `from`..`from+length` of `src`, each with `noise` random bits flipped (a re-encoded copy). */
function copyOf(src: HashSequence, frames: number[], noise: number, seed: number): HashSequence {
  const next = rng(seed);
  const hashes = new Uint32Array(frames.length * 2);
  frames.forEach((f, i) => {
    hashes[2 * i] = src.hashes[2 * f];
    hashes[2 * i + 1] = src.hashes[2 * f + 1];
    for (let b = 0; b < noise; b++) {
      const bit = next() % 64;
      hashes[2 * i + (bit >> 5)] ^= 1 << (bit & 31);
    }
  });
  return { count: frames.length, variants: 1, hashes, flat: new Uint8Array(frames.length) };
}

function concat(...parts: HashSequence[]): HashSequence {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const hashes = new Uint32Array(count * 2);
  let at = 0;
  for (const p of parts) {
    hashes.set(p.hashes, at * 2);
    at += p.count;
  }
  return { count, variants: 1, hashes, flat: new Uint8Array(count) };
}

const range = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) }, (_, i) => Math.round(from + i * step));
const FPS = 4;

describe('temporal alignment', () => {
  const master = randomSequence(400, 1);

  it('finds an excerpt inside unrelated material, with its bounds', () => {
    const query = concat(randomSequence(40, 2), copyOf(master, range(100, 180), 8, 3), randomSequence(40, 4));
    const segs = alignSegments(query, master, MATCH_DEFAULTS, FPS);
    assert.equal(segs.length, 1);
    const [s] = segs;
    assert.ok(Math.abs(s.queryStart - 40) <= 1 && Math.abs(s.queryEnd - 119) <= 1, JSON.stringify(s));
    assert.ok(Math.abs(s.masterStart - 100) <= 1 && Math.abs(s.masterEnd - 179) <= 1, JSON.stringify(s));
    assert.ok(s.similarity > 0.6 && s.similarity < 0.9, `similarity ${s.similarity}`);
  });

  for (const speed of [0.8, 1.25]) {
    it(`follows a ${speed}x speed change`, () => {
      // Played at `speed`, query frame i shows master frame 50 + i * speed.
      const query = copyOf(master, range(50, 250, speed), 6, 5);
      const [s, ...rest] = alignSegments(query, master, MATCH_DEFAULTS, FPS);
      assert.equal(rest.length, 0);
      assert.ok(s.queryStart <= 2 && s.queryEnd >= query.count - 3, JSON.stringify(s));
      assert.ok(Math.abs(s.masterStart - 50) <= 2 && Math.abs(s.masterEnd - 249) <= 3, JSON.stringify(s));
    });
  }

  it('splits a match around inserted material into two segments', () => {
    const query = concat(copyOf(master, range(0, 60), 6, 6), randomSequence(30, 7), copyOf(master, range(200, 260), 6, 8));
    const segs = alignSegments(query, master, MATCH_DEFAULTS, FPS);
    assert.equal(segs.length, 2);
    assert.ok(Math.abs(segs[0].masterStart - 0) <= 1 && Math.abs(segs[0].masterEnd - 59) <= 1);
    assert.ok(Math.abs(segs[1].queryStart - 90) <= 1 && Math.abs(segs[1].masterStart - 200) <= 1);
  });

  it('reports nothing for unrelated sequences', () => {
    for (let seed = 10; seed < 20; seed++) assert.deepEqual(alignSegments(randomSequence(200, seed), master, MATCH_DEFAULTS, FPS), []);
  });

  it('ignores flat frames on either side', () => {
    const query = copyOf(master, range(0, 80), 4, 9);
    query.flat.fill(1);
    assert.deepEqual(alignSegments(query, master, MATCH_DEFAULTS, FPS), []);
  });
});

describe('multi-index hashing', () => {
  it('finds every hash within the radius that shares a substring within one bit (checked against brute force)', () => {
    const data = randomSequence(20000, 21);
    const mih = new MultiIndexHash(data.hashes);
    const next = rng(22);
    for (let t = 0; t < 50; t++) {
      const target = next() % data.count;
      const query = copyOf(data, [target], 1 + (t % 7), 100 + t);
      const found = new Map<number, number>();
      mih.search(query.hashes[0], query.hashes[1], 12, 1, (id, d) => found.set(id, d));
      assert.ok(found.has(target), 'the planted near-duplicate is found');
      for (let i = 0; i < data.count; i++) {
        const d = popcount32((data.hashes[2 * i] ^ query.hashes[0]) >>> 0) + popcount32((data.hashes[2 * i + 1] ^ query.hashes[1]) >>> 0);
        // Pigeonhole: within distance 7 some 16-bit substring differs by at most one bit.
        if (d <= 7) assert.equal(found.get(i), d);
        if (found.has(i)) assert.ok(d <= 12);
      }
    }
  });

  it('leaves excluded entries out', () => {
    const data = randomSequence(100, 23);
    const mih = new MultiIndexHash(data.hashes, (i) => i !== 5);
    let hit = false;
    mih.search(data.hashes[10], data.hashes[11], 0, 0, (id) => (hit ||= id === 5));
    assert.equal(hit, false);
    mih.search(data.hashes[12], data.hashes[13], 0, 0, (id) => (hit ||= id === 6));
    assert.equal(hit, true);
  });
});

describe('search over a library index', () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ key: `item-${i}`, fps: FPS, duration: 100, ...randomSequence(400, 1000 + i) }));
  const index = new VideoIndex(items);
  const query = { ...concat(randomSequence(20, 5), copyOf(items[17], range(120, 200), 6, 6)), fps: FPS, duration: 25 };

  for (const candidates of ['all', 'index'] as const) {
    it(`finds the copied item with ${candidates === 'all' ? 'dense alignment' : 'multi-index candidates'}`, () => {
      const matches = searchVideo(index, query, { candidates });
      assert.deepEqual(matches.map((m) => m.PrimaryKey), ['item-17']);
      const [seg] = matches[0].VideoMatchSegments;
      assert.ok(Math.abs(seg.StartTime - 5) <= 0.5 && Math.abs(seg.MasterStartTime - 30) <= 0.5, JSON.stringify(seg));
      assert.ok(Math.abs(seg.EndTime - 25) <= 0.5 && Math.abs(seg.MasterEndTime - 50) <= 0.5, JSON.stringify(seg));
    });
  }

  for (const [speed, name] of [[2, 'a 2x timelapse'], [0.5, 'a 0.5x slow motion']] as const) {
    it(`finds ${name} of an item, with the right seconds on both timelines`, () => {
      // Master frames 100..260 (25-65 s) played at `speed`: query frame i shows master frame 100 + i * speed.
      const frames = range(0, Math.round(160 / speed)).map((i) => 100 + Math.floor(i * speed));
      const copy = copyOf(items[4], frames, 6, 9);
      const q = { ...concat(randomSequence(16, 8), copy), fps: FPS, duration: (16 + copy.count) / FPS };
      for (const candidates of ['all', 'index'] as const) {
        const matches = searchVideo(index, q, { candidates });
        assert.deepEqual(matches.map((m) => m.PrimaryKey), ['item-4'], candidates);
        const segs = matches[0].VideoMatchSegments;
        const first = segs[0];
        const last = segs[segs.length - 1];
        assert.ok(Math.abs(first.StartTime - 4) <= 0.75 && Math.abs(first.MasterStartTime - 25) <= 0.75, JSON.stringify(segs));
        assert.ok(Math.abs(last.EndTime - q.duration) <= 0.75 && Math.abs(last.MasterEndTime - 65) <= 1, JSON.stringify(segs));
      }
    });
  }

  it('maps global frame ids to items', () => {
    assert.equal(index.itemOf(0), 0);
    assert.equal(index.itemOf(399), 0);
    assert.equal(index.itemOf(400), 1);
    assert.equal(index.itemOf(30 * 400 - 1), 29);
  });
});

describe('library index kept current', () => {
  const items = Array.from({ length: 12 }, (_, i) => {
    const frames = randomSequence(200 + 40 * i, 100 + i);
    return { key: `item${i}`, fps: FPS, duration: frames.count / FPS, count: frames.count, hashes: frames.hashes, flat: frames.flat };
  });
  const query = (i: number, seed: number) => ({ ...copyOf({ ...items[i], variants: 1 }, range(50, 150), 3, seed), fps: FPS, duration: 25 });

  it('answers like an index built from scratch after adds, replacements and removals', () => {
    const live = new LibraryIndex(items.slice(0, 6));
    const kept = new Map(items.slice(0, 6).map((i) => [i.key, i]));
    // Adds, a replacement (item2's key now holds item9's frames), removals of base and recent items.
    for (const i of [6, 7, 8]) (live.put(items[i]), kept.set(items[i].key, items[i]));
    const replaced = { ...items[9], key: 'item2' };
    live.put(replaced);
    kept.set('item2', replaced);
    for (const key of ['item0', 'item7']) (live.remove(key), kept.delete(key));
    const fresh = new VideoIndex([...kept.values()]);
    assert.equal(live.itemCount, kept.size);
    for (const [n, i] of [0, 2, 3, 7, 8, 9].entries()) {
      const q = query(i, 500 + n);
      assert.deepEqual(live.search({ video: q }), searchVideo(fresh, q), `query from item${i}`);
    }
    assert.equal(live.search({ video: query(9, 1) })[0]?.PrimaryKey, 'item2');
    assert.deepEqual(live.search({ video: query(0, 2) }), [], 'a removed base item is not found');
    assert.deepEqual(live.search({ video: query(7, 3) }), [], 'a removed recent item is not found');
  });

  it('rebuilds its base once removals pile up, and still answers the same', () => {
    const live = new LibraryIndex(items);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8]) live.remove(items[i].key);
    assert.equal(live.baseIndex.items.length, 3, 'the base was rebuilt without the removed items');
    const fresh = new VideoIndex(items.slice(9));
    for (const i of [9, 10, 11, 1]) assert.deepEqual(live.search({ video: query(i, i) }), searchVideo(fresh, query(i, i)));
  });
});

describe("the library's strips", () => {
  const items = Array.from({ length: 8 }, (_, i) => {
    const frames = randomSequence(400, 2000 + i);
    const strip = randomSequence(400, 3000 + i);
    return { key: `item${i}`, fps: FPS, duration: 100, count: 400, hashes: frames.hashes, flat: frames.flat, strip: { hashes: strip.hashes, flat: strip.flat } };
  });
  const library = new LibraryIndex(items);
  /** A query of two variants (the library's view, then the whole picture) with its own strips: `view`
   *  and `whole` say what each shows (random where undefined), `portrait` which frames are. */
  function query(count: number, view: HashSequence | undefined, whole: HashSequence | undefined, portrait: number, seed: number) {
    const [v, w, s] = [view ?? randomSequence(count, seed), whole ?? randomSequence(count, seed + 1), randomSequence(count, seed + 2)];
    const hashes = new Uint32Array(count * 4);
    for (let k = 0; k < count; k++) hashes.set([v.hashes[2 * k], v.hashes[2 * k + 1], w.hashes[2 * k], w.hashes[2 * k + 1]], 4 * k);
    return { count, variants: 2, hashes, flat: new Uint8Array(count), fps: FPS, duration: count / FPS, wholePicture: [1], strip: s, portrait: new Uint8Array(count).fill(portrait) };
  }
  const stripOf = (i: number) => ({ ...items[i].strip, count: 400, variants: 1 });
  const framesOf = (i: number) => ({ ...items[i], variants: 1 });

  it('finds a copy cropped to the strip through its whole picture, only where the query is square or portrait', () => {
    const copy = copyOf(stripOf(3), range(100, 180), 5, 1);
    const portrait = library.search({ video: query(80, undefined, copy, 1, 10) });
    assert.deepEqual(portrait.map((m) => m.PrimaryKey), ['item3']);
    const [seg] = portrait[0].VideoMatchSegments;
    assert.ok(Math.abs(seg.MasterStartTime - 25) <= 0.5 && Math.abs(seg.MasterEndTime - 45) <= 0.5, JSON.stringify(seg));
    assert.deepEqual(library.search({ video: query(80, undefined, copy, 0, 10) }), [], 'a landscape picture is no strip');
  });

  it('reports a stretch found both ways once, and stretches found one way each', () => {
    // Query frames 0-79 copy item5's frames 100-179 (its view) and, in the whole picture, the same
    // stretch's strips; frames 80-159 copy its strips 300-379 only.
    const view = concat(copyOf(framesOf(5), range(100, 180), 4, 2), randomSequence(80, 3));
    const whole = concat(copyOf(stripOf(5), range(100, 180), 4, 4), copyOf(stripOf(5), range(300, 380), 4, 5));
    const [match, ...others] = library.search({ video: query(160, view, whole, 1, 20) });
    assert.deepEqual([match?.PrimaryKey, others], ['item5', []]);
    const masters = match.VideoMatchSegments.map((s) => [Math.round(s.MasterStartTime), Math.round(s.MasterEndTime)]);
    assert.deepEqual(masters, [[25, 45], [75, 95]], JSON.stringify(match.VideoMatchSegments));
  });
});
