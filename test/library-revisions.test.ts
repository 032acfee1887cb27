/** Two processes on one database: an index built in one catches up on what the other stored or removed (each engine). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FINGERPRINT_VERSION } from '../src/fingerprint/media.js';
import { LibraryIndexes } from '../src/match/library-indexes.js';
import type { StoredItem } from '../src/store/store.js';
import { forEachEngine } from './engines.js';

const item = (key: string, duration: number): StoredItem => ({
  key,
  source: 'test',
  duration,
  fps: 4,
  count: 2,
  hashes: new Uint32Array([1, 2, 3, 4]),
  flat: new Uint8Array([0, 0]),
  fingerprintVersion: FINGERPRINT_VERSION,
  addedAt: new Date().toISOString(),
});

forEachEngine('library revisions', (engine) => {
  test('a library index catches up with changes made through another connection, by revision', async () => {
    const db = await engine.database();
    const here = await db.open();
    const there = await db.open();
    try {
      const lib = (await here.libraries.createLibrary('acme', 'films', 'video'))!;
      assert.equal(lib.revision, 0);
      await here.libraries.putItem(lib.id, item('a', 10), false);
      const indexes = new LibraryIndexes(here.libraries);
      const index = await indexes.index((await here.libraries.libraryById(lib.id))!);
      assert.equal(index.itemCount, 1);

      await there.libraries.putItem(lib.id, item('b', 20), false);
      await there.libraries.putItem(lib.id, item('a', 11), true);
      assert.deepEqual(await there.libraries.removeItems(lib.id, ['b', 'zz']), [true, false]);
      await there.libraries.putItem(lib.id, item('c', 30), false);
      const now = (await here.libraries.libraryById(lib.id))!;
      assert.equal(now.revision, 5);
      const changes = (await here.libraries.changesSince(lib.id, 1))!;
      assert.deepEqual([changes.revision, changes.put.map((i) => i.key).sort(), changes.removed], [5, ['a', 'c'], ['b']]);

      const same = await indexes.index(now);
      assert.equal(same, index, 'caught up in place, not reloaded');
      assert.deepEqual([same.itemCount, same.duration('a'), same.duration('b'), same.duration('c')], [2, 11, undefined, 30]);
      // A removed key stored again comes back (its removal record is gone).
      await there.libraries.putItem(lib.id, item('b', 21), false);
      assert.equal((await indexes.index((await here.libraries.libraryById(lib.id))!)).duration('b'), 21);
      assert.deepEqual((await here.libraries.changesSince(lib.id, 5))!.removed, []);
      // A deleted library has no changes: its index is an unknown library.
      await there.libraries.deleteLibrary(lib.id);
      assert.equal(await here.libraries.changesSince(lib.id, 0), undefined);
      await assert.rejects(indexes.index({ ...now, revision: 99 }), (e: { code?: string }) => e.code === 'UNKNOWN_LIBRARY');
    } finally {
      await here.close();
      await there.close();
      db.cleanup();
    }
  });

  test('concurrent writers through two connections take revisions one after another: none lost, none shared', async () => {
    const db = await engine.database();
    const [one, two] = [await db.open(), await db.open()];
    try {
      const lib = (await one.libraries.createLibrary('acme', 'films', 'video'))!;
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((key, i) => (i % 2 ? one : two).libraries.putItem(lib.id, item(key, i), false)));
      await Promise.all(keys.slice(0, 5).map((key, i) => (i % 2 ? two : one).libraries.removeItems(lib.id, [key])));
      const changes = (await two.libraries.changesSince(lib.id, -1))!;
      assert.equal(changes.revision, 25);
      assert.deepEqual(changes.put.map((i) => i.key).sort(), keys.slice(5).sort());
      assert.deepEqual(changes.removed.sort(), keys.slice(0, 5).sort());
      // Every revision from 1 to 25 was taken once: the items' and removals' revisions are distinct.
      const later = (await one.libraries.changesSince(lib.id, 20))!;
      assert.equal(later.put.length + later.removed.length, 5);
    } finally {
      await one.close();
      await two.close();
      db.cleanup();
    }
  });
});
