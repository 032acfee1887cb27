/** The multi-index on PostgreSQL: its rows follow the items at once, and a search through it equals the in-memory search. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { syntheticItem, syntheticQuery } from '../bench/synthetic.js';
import { FINGERPRINT_VERSION, fingerprintMedia, itemOf, placedFrames } from '../src/fingerprint/media.js';
import type { FrameKeyIndex, FrameView } from '../src/index/frame-key-index.js';
import { candidateWindows, queryProbes } from '../src/match/candidates.js';
import type { Query } from '../src/match/library-index.js';
import { LibraryIndexes, searchIndexSettings } from '../src/match/library-indexes.js';
import { openPostgresStores } from '../src/store/postgres/index.js';
import type { StoredItem } from '../src/store/store.js';
import type { DatabaseStores } from '../src/stores.js';
import { ffmpeg, media, tempDir } from './helpers.js';
import { startPostgres, type Postgres } from './postgres-helpers.js';

let cluster: Postgres;
before(async () => (cluster = await startPostgres()));
after(() => cluster.stop());

const stored = (item: Omit<StoredItem, 'source' | 'fingerprintVersion' | 'addedAt'>): StoredItem => ({
  ...item,
  source: 'test',
  fingerprintVersion: FINGERPRINT_VERSION,
  addedAt: new Date().toISOString(),
});

/** `count` frames with distinct hashes from `seed`; every third frame flat. */
const frames = (seed: number, count: number) => ({
  hashes: Uint32Array.from({ length: 2 * count }, (_, i) => (Math.imul(seed * 7919 + i, 2654435761) ^ (i << 7)) >>> 0),
  flat: Uint8Array.from({ length: count }, (_, f) => (f % 3 === 2 ? 1 : 0)),
});

/** An item of `count` frames (and strips) made from `seed`. */
const small = (key: string, seed: number, count = 12) =>
  stored({ key, duration: count / 4, fps: 4, count, ...frames(seed, count), strip: frames(seed + 1000, count) });

/** The library frames the database finds for each frame (or strip) of `item` as a query (variant 0, no noise), by key. */
async function found(keys: FrameKeyIndex, libraryId: string, item: StoredItem, view: FrameView = 'frames'): Promise<string[]> {
  const { hashes } = view === 'strips' ? item.strip! : item;
  const probes = Array.from({ length: item.count }, (_, f) => ({ frame: f, hi: hashes[2 * f], lo: hashes[2 * f + 1] }));
  const seen: string[] = [];
  await keys.search(
    libraryId,
    probes,
    0,
    (hits, describe) => {
      seen.push(...hits.map((h) => `${describe(h.item).key}@${h.frame}<-${h.probe}`));
      return [];
    },
    0,
    view,
  );
  return seen.sort();
}

test('frame keys follow the items at once: stored, replaced, removed, written by another connection, dropped with the library', async () => {
  const url = await cluster.database();
  const here = await openPostgresStores(url);
  const there = await openPostgresStores(url);
  try {
    const lib = (await here.libraries.createLibrary('acme', 'films', 'video'))!;
    const a = small('a', 1);
    await here.libraries.putItem(lib.id, a, false);
    const at = (key: string, list: number[]) => list.map((f) => `${key}@${f}<-${f}`).sort();
    const nonFlat = [0, 1, 3, 4, 6, 7, 9, 10];
    assert.deepEqual(await found(here.frameKeys!, lib.id, a), at('a', nonFlat), 'flat frames are not indexed');
    assert.deepEqual(await found(here.frameKeys!, lib.id, a, 'strips'), at('a', nonFlat), 'strips have keys of their own');
    assert.deepEqual(await found(here.frameKeys!, lib.id, { ...a, hashes: a.strip!.hashes }), [], 'a strip is not a frame');
    const b = small('b', 2);
    await there.libraries.putItem(lib.id, b, false);
    assert.deepEqual(await found(here.frameKeys!, lib.id, b), at('b', nonFlat), 'another process’s item, without reload');
    const a2 = small('a', 3);
    await there.libraries.putItem(lib.id, a2, true);
    assert.deepEqual(await found(here.frameKeys!, lib.id, a), [], 'the replaced frames are gone');
    assert.deepEqual(await found(here.frameKeys!, lib.id, a, 'strips'), [], 'and their strips');
    assert.deepEqual(await found(here.frameKeys!, lib.id, a2), at('a', nonFlat));
    assert.deepEqual(await here.libraries.removeItems(lib.id, ['b', 'zz']), [true, false]);
    assert.deepEqual(await found(here.frameKeys!, lib.id, b), []);
    const other = (await here.libraries.createLibrary('acme', 'other', 'video'))!;
    await here.libraries.putItem(other.id, b, false);
    assert.deepEqual(await found(here.frameKeys!, lib.id, b), [], 'libraries are apart');
    assert.deepEqual(await found(here.frameKeys!, other.id, b), at('b', nonFlat));
    assert.equal(await here.libraries.deleteLibrary(lib.id), true);
    assert.deepEqual(await found(here.frameKeys!, lib.id, a2), []);
    assert.deepEqual(await found(here.frameKeys!, other.id, b), at('b', nonFlat));
  } finally {
    await here.close();
    await there.close();
  }
});

/** The library's matches searched in memory (multi-index candidates) and on the database; with the
 *  query's path, as a search does it (looking again through the placements its grid finds). */
async function bothWays(stores: DatabaseStores, libraryId: string, fp: Query, path?: string) {
  const library = (await stores.libraries.libraryById(libraryId))!;
  const lookAgain = path ? (placements: number[]) => placedFrames(path, placements) : undefined;
  const way = (mode: 'memory' | 'database') => new LibraryIndexes(stores.libraries, stores.frameKeys, { mode, databaseHours: 0 });
  const memory = await way('memory').search(library, fp, { candidates: 'index' }, lookAgain);
  const database = await way('database').search(library, fp, {}, lookAgain);
  return { memory, database };
}

test('a search on the database finds what the in-memory multi-index finds: synthetic library; `auto` picks by size', async () => {
  const stores = await openPostgresStores(await cluster.database());
  try {
    const lib = (await stores.libraries.createLibrary('acme', 'synthetic', 'video'))!;
    const items = Array.from({ length: 6 }, (_, n) => syntheticItem(n, 7));
    for (const item of items) await stores.libraries.putItem(lib.id, stored(item), false);
    for (const [n, start, noise] of [[0, 100, 4], [3, 2000, 6], [5, 3500, 8]]) {
      const query = syntheticQuery(items[n], start, noise, 50 + n);
      const { memory, database } = await bothWays(stores, lib.id, { video: query });
      assert.equal(database[0]?.PrimaryKey, `synthetic-${n}`);
      assert.deepEqual(database, memory);
    }
    const unrelated = syntheticQuery(syntheticItem(99, 8), 60, 0, 1);
    assert.deepEqual((await bothWays(stores, lib.id, { video: unrelated })).database, []);
    // `auto`: memory below the size setting, the database from it on (a library growing past it is loaded again, frameless).
    const indexes = new LibraryIndexes(stores.libraries, stores.frameKeys, { mode: 'auto', databaseHours: 7 });
    const frames = async () => (await indexes.index((await stores.libraries.libraryById(lib.id))!)).baseIndex.totalFrames;
    assert.equal(await frames(), 6 * 3600 * 4);
    await stores.libraries.putItem(lib.id, stored(syntheticItem(6, 7)), false);
    assert.equal(await frames(), 0);
    const noKeys = new LibraryIndexes(stores.libraries, undefined, { mode: 'database', databaseHours: 0 });
    assert.equal((await noKeys.index((await stores.libraries.libraryById(lib.id))!)).baseIndex.totalFrames, 7 * 3600 * 4, 'an engine without frame keys (SQLite) searches in memory');
    assert.deepEqual(searchIndexSettings({}), { mode: 'auto', databaseHours: 2000 });
    assert.deepEqual(searchIndexSettings({ VDNA_SEARCH_INDEX: 'database', VDNA_SEARCH_INDEX_HOURS: '0' }), { mode: 'database', databaseHours: 0 });
    assert.throws(() => searchIndexSettings({ VDNA_SEARCH_INDEX: 'disk' }), /memory, database or auto/);
  } finally {
    await stores.close();
  }
});

test('a search on the database finds what the in-memory multi-index finds: real clips (an excerpt, a re-encode, a centre strip, an off-centre crop, an unrelated clip; and a still)', async () => {
  const dir = tempDir();
  const stores = await openPostgresStores(await cluster.database());
  try {
    const lib = (await stores.libraries.createLibrary('acme', 'clips', 'video'))!;
    for (const name of ['openboard_wannaworktogether.mp4', 'intel_car-detection.mp4', 'intel_bottle-detection.mp4', 'pdextendedview_diver.mov', 'moviepy_big_buck_bunny_0_30.webm']) {
      const fp = await fingerprintMedia(media(`video/${name}`), { forSearch: false });
      await stores.libraries.putItem(lib.id, itemOf(name, name, fp), false);
    }
    const excerpt = join(dir.path, 'excerpt.mp4');
    ffmpeg(['-ss', '30', '-t', '40', '-i', media('video/openboard_wannaworktogether.mp4'), '-vf', 'scale=320:-2', '-c:v', 'libx264', '-crf', '32', '-an', excerpt]);
    // Cropped to its centre 9:16 strip: found through the strips' keys.
    const strip = join(dir.path, 'strip.mp4');
    ffmpeg(['-ss', '20', '-t', '15', '-i', media('video/intel_car-detection.mp4'), '-vf', 'crop=ih*9/16:ih,scale=360:640', '-c:v', 'libx264', '-crf', '28', '-an', strip]);
    // Cropped off-centre: found by looking again through the placements its grid finds on the database.
    const crop = join(dir.path, 'crop.mp4');
    ffmpeg(['-ss', '15', '-t', '12', '-i', media('video/moviepy_big_buck_bunny_0_30.webm'), '-vf', 'crop=iw*0.75:ih*0.75:iw*0.02:ih*0.02,scale=640:360', '-c:v', 'libx264', '-crf', '26', '-an', crop]);
    const queries = [
      [crop, 'moviepy_big_buck_bunny_0_30.webm'],
      [excerpt, 'openboard_wannaworktogether.mp4'],
      [media('video/intel_car-detection.mp4'), 'intel_car-detection.mp4'],
      [strip, 'intel_car-detection.mp4'],
      [media('video/zwm_sintel_10s.mp4'), undefined],
    ];
    for (const [path, key] of queries) {
      const fp = await fingerprintMedia(path!, { forSearch: true });
      const { memory, database } = await bothWays(stores, lib.id, fp, path);
      assert.equal(database[0]?.PrimaryKey, key, path);
      assert.deepEqual(database, memory, path);
    }
    // A still picture (mirrored) is looked for on the database too (as in memory past 2 M frames: substrings within one bit).
    const still = join(dir.path, 'still.jpg');
    ffmpeg(['-i', media('video/intel_bottle-detection.mp4'), '-ss', '20', '-frames:v', '1', '-vf', 'scale=320:-1,hflip', still]);
    const { database } = await bothWays(stores, lib.id, await fingerprintMedia(still, { forSearch: true }));
    assert.equal(database[0]?.PrimaryKey, 'intel_bottle-detection.mp4', JSON.stringify(database));
    assert.ok(database[0].VideoMatchSegments.some((s) => s.MasterStartTime - 1.5 <= 20 && 20 <= s.MasterEndTime + 1.5), JSON.stringify(database[0]));
  } finally {
    await stores.close();
    dir.cleanup();
  }
});

test('windows are chosen from the hits the same way in memory and on the database (one shared function)', () => {
  // queryProbes and candidateWindows are what both paths call; a smoke check of their contract.
  const query = { count: 8, variants: 2, hashes: Uint32Array.from({ length: 32 }, (_, i) => (i % 4 < 2 ? i >> 2 : 99)), flat: new Uint8Array(8) };
  assert.equal(queryProbes(query).length, 8, 'every other frame, both variants (they differ)');
  const hits = [0, 2, 4, 6].map((q) => ({ probe: q, item: 1, frame: q + 100, distance: 0 }));
  assert.deepEqual(candidateWindows(hits, 8, () => ({ key: 'x', count: 1000 })), [{ item: 1, from: 70, to: 138, votes: 4 }]);
});
