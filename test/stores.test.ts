/** The other stores' contracts on each engine: accounts, keys and the audit log; media; persons; faces; libraries and items. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredItem } from '../src/store/store.js';
import { openStores, type DatabaseStores } from '../src/stores.js';
import { forEachEngine, freshDatabase, type TestDatabase } from './engines.js';
import { tempDir } from './helpers.js';

const item = (key: string, over: Partial<StoredItem> = {}): StoredItem => ({
  key,
  source: `/media/${key}.mp4`,
  duration: 12.5,
  fps: 4,
  count: 10,
  hashes: new Uint32Array([0xffffffff, 0, 1, 0x80000000, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]),
  flat: new Uint8Array([1, 0, 0, 1, 0, 0, 0, 0, 0, 1]),
  fingerprintVersion: 'v3',
  addedAt: '2026-01-02T03:04:05.678Z',
  ...over,
});

forEachEngine('stores', (engine) => {
  let db: TestDatabase;
  let s: DatabaseStores;
  freshDatabase(engine, (database, stores) => ((db = database), (s = stores)));

  test('libraries: unique names per account, items round-trip bit for bit (video, sound, text), pages in key order', async () => {
    const lib = (await s.libraries.createLibrary('acme', 'films', 'video', 'd'))!;
    assert.equal(await s.libraries.createLibrary('acme', 'films', 'audio'), undefined);
    assert.ok(await s.libraries.createLibrary('other', 'films', 'video'));
    await s.libraries.createLibrary('acme', 'Zeta', 'text');
    assert.deepEqual((await s.libraries.libraries('acme')).map((l) => l.name), ['Zeta', 'films'], 'byte order, as SQLite');
    const audio = { frameRate: 31.25, landmarks: new Uint32Array([1, 2, 0xfffffffe, 4]), version: 'a1' };
    const text = { timed: true, cues: [{ start: 0, end: 1.5, text: 'héllo "wörld"' }] };
    await s.libraries.putItem(lib.id, item('b', { audio, text }), false);
    await s.libraries.putItem(lib.id, item('a'), false);
    await s.libraries.putItem(lib.id, item('B'), false);
    await assert.rejects(s.libraries.putItem(lib.id, item('a'), false), (e: { code?: string }) => e.code === 'DUPLICATE_KEY');
    await s.libraries.putItem(lib.id, item('a', { duration: 30 }), true);
    await assert.rejects(s.libraries.putItem('nope', item('x'), false), (e: { code?: string }) => e.code === 'UNKNOWN_LIBRARY');
    const [loaded] = (await s.libraries.loadItems(lib.id)).filter((i) => i.key === 'b');
    assert.deepEqual(loaded, item('b', { audio, text }));
    const info = (await s.libraries.library('acme', 'films'))!;
    assert.deepEqual([info.itemCount, info.duration, info.revision, info.description, info.mediaType], [3, 55, 4, 'd', 'video']);
    assert.deepEqual((await s.libraries.listItems(lib.id)).map((i) => [i.key, i.hasAudio, i.hasText]), [['B', false, false], ['a', false, false], ['b', true, true]]);
    assert.deepEqual((await s.libraries.listItems(lib.id, { limit: 1, after: 'B' })).map((i) => i.key), ['a']);
    assert.deepEqual(await s.libraries.removeItems(lib.id, ['a', 'zz']), [true, false]);
    assert.equal(await s.libraries.hasItem(lib.id, 'a'), false);
    assert.equal(await s.libraries.deleteLibrary(lib.id), true);
    assert.equal(await s.libraries.libraryById(lib.id), undefined);
    assert.equal(await s.libraries.deleteLibrary(lib.id), false);
  });

  test('accounts and keys: created once, found by id and token, revoked once, credentials replaced', async () => {
    assert.equal(await s.access.createAccount({ name: 'acme', createdAt: 't1', sealedCallbackSecret: 's1' }), true);
    assert.equal(await s.access.createAccount({ name: 'acme', createdAt: 't2', sealedCallbackSecret: 's2' }), false);
    await s.access.createAccount({ name: 'Beta', createdAt: 't1', sealedCallbackSecret: 's' });
    await s.access.setCallbackSecret('acme', 's3');
    assert.deepEqual(await s.access.account('acme'), { name: 'acme', createdAt: 't1', sealedCallbackSecret: 's3' });
    assert.deepEqual((await s.access.accounts()).map((a) => a.name), ['Beta', 'acme']);
    const key = { id: 'AK1', account: 'acme', description: 'ci', policy: '{}', root: true, sealedSecret: 'sec', tokenHash: 'h1', rateLimit: 2.5, createdAt: '2026-01-01T00:00:00.000Z' };
    await s.access.createKey(key);
    await s.access.createKey({ ...key, id: 'AK2', root: false, tokenHash: 'h2', rateLimit: undefined, account: 'Beta' });
    assert.deepEqual(await s.access.key('AK1'), key);
    assert.deepEqual((await s.access.keyByTokenHash('h2'))!.root, false);
    assert.equal((await s.access.keyByTokenHash('h2'))!.rateLimit, undefined);
    assert.deepEqual((await s.access.keys()).map((k) => k.id), ['AK2', 'AK1']);
    assert.deepEqual((await s.access.keys('acme')).map((k) => k.id), ['AK1']);
    assert.equal(await s.access.revokeKey('AK1', 't9'), true);
    assert.equal(await s.access.revokeKey('AK1', 't10'), false);
    assert.equal((await s.access.key('AK1'))!.revokedAt, 't9');
    await s.access.updateKeyCredentials('AK1', 'h3', 'sec2');
    assert.deepEqual([(await s.access.keyByTokenHash('h3'))!.sealedSecret, (await s.access.key('AK1'))!.revokedAt], ['sec2', undefined]);
  });

  test('the audit log: newest first, by account and time, in pages', async () => {
    for (let i = 0; i < 5; i++) {
      await s.access.audit({ time: `2026-01-0${i + 1}T00:00:00.000Z`, account: i % 2 ? 'b' : 'a', action: 'vdna:X', resource: `r${i}`, outcome: 'Allowed', ...(i === 4 && { keyId: 'AK', code: 'C', requestId: 'q' }) });
    }
    const first = await s.access.auditLog({ limit: 2 });
    assert.deepEqual(first.entries.map((e) => e.resource), ['r4', 'r3']);
    assert.deepEqual(first.entries[0], { time: '2026-01-05T00:00:00.000Z', account: 'a', keyId: 'AK', action: 'vdna:X', resource: 'r4', outcome: 'Allowed', code: 'C', requestId: 'q' });
    const second = await s.access.auditLog({ limit: 2, cursor: first.nextCursor });
    assert.deepEqual(second.entries.map((e) => e.resource), ['r2', 'r1']);
    assert.deepEqual((await s.access.auditLog({ limit: 10, account: 'a', since: '2026-01-02' })).entries.map((e) => e.resource), ['r4', 'r2']);
  });

  test('media: one account’s, newest first in pages, removed once', async () => {
    for (let i = 0; i < 3; i++) {
      await s.media.add({ id: `m${i}`, account: 'acme', title: `t${i}`, input: { type: 'Upload', source: `f${i}.mp4` }, file: `m${i}.mp4`, size: 5_000_000_000, createdAt: 't' });
    }
    await s.media.add({ id: 'u', account: 'other', title: '', input: { type: 'URL', source: 'https://e.example.com/a' }, createdAt: 't' });
    assert.deepEqual(await s.media.get('other', 'u'), { id: 'u', account: 'other', title: '', input: { type: 'URL', source: 'https://e.example.com/a' }, createdAt: 't' });
    assert.equal(await s.media.get('acme', 'u'), undefined);
    assert.equal((await s.media.get('acme', 'm1'))!.size, 5_000_000_000);
    const page = await s.media.list('acme', { limit: 2 });
    assert.deepEqual(page.media.map((m) => m.id), ['m2', 'm1']);
    assert.deepEqual((await s.media.list('acme', { limit: 2, cursor: page.nextCursor })).media.map((m) => m.id), ['m0']);
    assert.equal(await s.media.remove('other', 'm0'), false);
    assert.equal(await s.media.remove('acme', 'm0'), true);
  });

  test('persons: descriptors added to a person (also from two connections at once), listed by name, removed', async () => {
    const other = await db.open();
    try {
      const first = await s.persons.addDescriptors('acme', 'Zoë', [[0.1, -0.25, 1e-7]]);
      assert.deepEqual(first.descriptors, [[0.1, -0.25, 1e-7]]);
      await Promise.all([s.persons.addDescriptors('acme', 'Zoë', [[1, 2, 3]]), other.persons.addDescriptors('acme', 'Zoë', [[4, 5, 6]])]);
      const [zoe] = await s.persons.persons('acme');
      assert.deepEqual([zoe.descriptors.length, zoe.createdAt, zoe.descriptors[0]], [3, first.createdAt, [0.1, -0.25, 1e-7]]);
      await s.persons.addDescriptors('acme', 'Adam', [[0]]);
      assert.deepEqual((await s.persons.persons('acme')).map((p) => p.name), ['Adam', 'Zoë']);
      assert.deepEqual(await s.persons.persons('other'), []);
      assert.equal(await s.persons.remove('acme', 'Adam'), true);
      assert.equal(await s.persons.remove('acme', 'Adam'), false);
    } finally {
      await other.close();
    }
  });

  test('faces: stored with their descriptor (their thumbnails are blobs), found by id, per account', async () => {
    await s.faces.put('acme', [{ id: 'f1', descriptor: [0.5, -1] }]);
    const face = (await s.faces.byId('f1'))!;
    assert.deepEqual([face.account, face.descriptor, face.jobId, 'thumbnail' in face], ['acme', [0.5, -1], undefined, false]);
    assert.deepEqual(await s.faces.storedThumbnails(10), []);
    assert.equal(await s.faces.get('other', 'f1'), undefined);
    assert.equal((await s.faces.get('acme', 'f1'))!.id, 'f1');
    assert.equal(await s.faces.byId('nope'), undefined);
  });
});

test('one setting picks the engine: none is the data directory’s SQLite file; only a postgres:// URL is PostgreSQL', async () => {
  const dir = tempDir();
  try {
    const embedded = await openStores(dir.path, {});
    assert.equal(embedded.shared, false);
    await embedded.close();
    await assert.rejects(openStores(dir.path, { VDNA_DATABASE_URL: 'mysql://u:secret@h/db' }), (e: Error) => /postgres:\/\/ URL, not "mysql:…"/.test(e.message) && !e.message.includes('secret'));
  } finally {
    dir.cleanup();
  }
});
