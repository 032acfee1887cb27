/**
 * A database made by the first releases (schema 1) opens under accounts: its data belongs to "default",
 * unchanged. PostgreSQL: processes starting at once migrate once; a newer schema is refused; items
 * stored before the frame keys get theirs.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { after, test } from 'node:test';
import { MIGRATIONS as PG_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { ITEM_COLUMNS, itemValues } from '../src/store/sql/items.js';
import type { StoredItem } from '../src/store/store.js';
import { tempDir } from './helpers.js';
import { startPostgres, type Postgres } from './postgres-helpers.js';

test('schema 1 -> current: libraries, items, jobs, queues and deliveries kept, records made camelCase', async () => {
  const dir = tempDir();
  try {
    const old = new Database(join(dir.path, 'vdna.sqlite'));
    MIGRATIONS[0](old);
    old.prepare("INSERT INTO libraries VALUES ('films', 'video', 'd', '2026-01-01T00:00:00.000Z')").run();
    old.prepare("INSERT INTO libraries VALUES ('songs', 'audio', '', '2026-01-01T00:00:00.000Z')").run();
    old
      .prepare("INSERT INTO items (library, key, source, duration, fps, frame_count, hashes, flat, fp_version, added_at, text) VALUES ('films', 'k1', 's', 10, 4, 1, ?, ?, 'v', 't', '{\"timed\":true,\"cues\":[]}')")
      .run(Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]), Buffer.from([0]));
    old.prepare("INSERT INTO queues VALUES ('default', 1, '{\"Type\":\"HTTP\",\"Url\":\"https://h.example.com/x\",\"Format\":\"xml\"}')").run();
    old
      .prepare(
        `INSERT INTO jobs (id, queue, library, mode, state, priority, primary_key, input, callback, result, attempts, created_at)
         VALUES ('j1', 'default', 'films', 'save', 'Success', 2, 'k1', '{"Type":"URL","Source":"https://e.example.com/a.mp4"}',
                 '{"Type":"Redis","Stream":"ev"}', '{"JobId":"j1","Saved":true,"MediaDuration":10,"Matches":[{"PrimaryKey":"k0"}]}', 1, 't'),
                ('j2', 'default', 'films', 'delete', 'Failed', 1, 'k9', NULL, NULL, 'null', 1, 't'),
                ('j3', 'default', 'films', 'delete', 'Success', 1, 'k8', NULL, NULL, '{"JobId":"j3","Saved":false,"Deleted":true,"Matches":[]}', 1, 't')`,
      )
      .run();
    old.prepare(`INSERT INTO deliveries (job_id, target, state, attempts, next_at, log) VALUES ('j1', '{"Type":"Redis","Stream":"ev"}', 'Delivered', 1, 0, '[{"Attempt":1,"Time":"t","Ok":true,"Milliseconds":3}]')`).run();
    old.pragma('user_version = 1');
    old.close();

    const s = openSqliteStores(dir.path);
    try {
      const libs = await s.libraries.libraries('default');
      assert.deepEqual(libs.map((l) => [l.name, l.mediaType, l.itemCount]), [['films', 'video', 1], ['songs', 'audio', 0]]);
      assert.match(libs[0].id, /^[0-9a-f]{32}$/);
      const [item] = await s.libraries.loadItems(libs[0].id);
      assert.deepEqual([item.key, [...item.hashes], item.text], ['k1', [1, 2], { timed: true, cues: [] }]);
      const j1 = (await s.jobs.get('default', 'j1'))!;
      assert.deepEqual([j1.kind, j1.input, j1.callback], ['dna', { type: 'URL', source: 'https://e.example.com/a.mp4' }, { type: 'redis', stream: 'ev' }]);
      assert.deepEqual(await s.jobs.result('j1'), { saved: true, deleted: null, mediaDuration: 10, matches: [{ PrimaryKey: 'k0' }] });
      assert.equal((await s.jobs.get('default', 'j2'))!.kind, 'delete');
      assert.deepEqual(await s.jobs.result('j3'), { saved: false, deleted: true, mediaDuration: null, matches: [] });
      assert.deepEqual((await s.jobs.queue('default', 'default'))!.callback, { type: 'http', url: 'https://h.example.com/x', format: 'xml' });
      const [d] = await s.outbox.deliveries('j1');
      assert.deepEqual([d.target, d.log[0].ok, d.log[0].attempt], [{ type: 'redis', stream: 'ev' }, true, 1]);
      assert.deepEqual(await s.libraries.libraries('other'), []);
    } finally {
      s.close();
    }
    // Opening again applies nothing twice.
    openSqliteStores(dir.path).close();
  } finally {
    dir.cleanup();
  }
});

let cluster: Postgres | undefined;
after(() => cluster?.stop());

test('PostgreSQL: five connections opening a new database at once (processes starting together) apply each migration once; a newer schema is refused', async () => {
  cluster = await startPostgres();
  const url = await cluster.database();
  const opened = await Promise.all(Array.from({ length: 5 }, () => openPostgresStores(url)));
  await Promise.all(opened.map((s) => s.close()));
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((_, i) => i + 1));
    await client.query('INSERT INTO schema_migrations VALUES ($1, $2)', [PG_MIGRATIONS.length + 1, 'later']);
    await assert.rejects(openPostgresStores(url), new RegExp(`schema version ${PG_MIGRATIONS.length + 1}, newer than this vdna knows \\(${PG_MIGRATIONS.length}\\)`));
  } finally {
    await client.end();
  }
});

test('PostgreSQL: a database of schema 1 gets the frame keys of the items it holds (migration 2)', async () => {
  cluster ??= await startPostgres();
  const url = await cluster.database();
  const client = new pg.Client(url);
  await client.connect();
  const count = 6;
  const item: StoredItem = {
    key: 'old',
    source: 's',
    duration: 1.5,
    fps: 4,
    count,
    hashes: Uint32Array.from({ length: 2 * count }, (_, i) => Math.imul(i + 1, 2654435761) >>> 0),
    flat: Uint8Array.from([0, 1, 0, 0, 0, 0]),
    fingerprintVersion: 'v',
    addedAt: 't',
  };
  try {
    await client.query(PG_MIGRATIONS[0].sql);
    await client.query(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (1, 't')`);
    await client.query(`INSERT INTO libraries (id, account, name, media_type, created_at) VALUES ('L', 'a', 'films', 'video', 't')`);
    // The columns of schema 1 (the strip came with migration 4).
    const values = itemValues('L', item, 1);
    const columns = ITEM_COLUMNS.split(', ').flatMap((c, i) => (c === 'strip' ? [] : [[c, values[i]] as const]));
    await client.query(
      `INSERT INTO items (${columns.map(([c]) => c).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map(([, v]) => v),
    );
  } finally {
    await client.end();
  }
  const stores = await openPostgresStores(url);
  try {
    const probes = Array.from({ length: count }, (_, f) => ({ frame: f, hi: item.hashes[2 * f], lo: item.hashes[2 * f + 1] }));
    let found: number[] = [];
    await stores.frameKeys!.search('L', probes, 0, (hits) => ((found = hits.map((h) => h.frame).sort()), []));
    assert.deepEqual(found, [0, 2, 3, 4, 5], 'every non-flat frame');
    await stores.libraries.putItem('L', { ...item, key: 'new' }, false);
    assert.equal((await stores.libraries.library('a', 'films'))!.itemCount, 2, 'numbers go on after the old rows');
  } finally {
    await stores.close();
  }
});
