/**
 * Jobs' results and faces' thumbnails as blobs. A job keeps them before its end commits: a worker that
 * died between the put and the commit leaves a job that runs again, writes the same keys and completes
 * once (real SQLite, data-directory blobs, an in-process runner). What an older vdna kept in the
 * database (results in the job's row, thumbnails in the face's) moves into the blobs at a server's
 * start, on each engine: SQLite with the data directory, PostgreSQL with a bucket (s3rver); and a
 * data directory of the last release, started as a server, serves its old face and results.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { localCaller } from '../src/access/caller.js';
import { JobKinds } from '../src/jobs/kinds.js';
import { facesOf } from '../src/jobs/kinds/tag.js';
import { JobRunner } from '../src/jobs/runner.js';
import type { JobRecord } from '../src/jobs/types.js';
import { createServices, localSettings, type Services } from '../src/services/index.js';
import { readBlob, type BlobStore } from '../src/store/blobs.js';
import { FileBlobs } from '../src/store/blobs/files.js';
import { S3Blobs } from '../src/store/blobs/s3.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import type { Stores } from '../src/stores.js';
import type { TagReport } from '../src/tagging/pipeline.js';
import { RESULT_RENDERINGS, resultView } from '../src/views/native.js';
import { S3_CREDENTIALS, startS3, type TestS3 } from './blob-engines.js';
import { tempDir, until } from './helpers.js';
import { startPostgres, type Postgres } from './postgres-helpers.js';
import { ADMIN_TOKEN, startServer } from './service-helpers.js';

let cluster: Postgres | undefined;
let s3: TestS3 | undefined;
after(async () => {
  cluster?.stop();
  await s3?.close();
});

const services = (stores: Stores): Services => createServices(stores, randomBytes(32), { ...localSettings('/nonexistent'), renderings: RESULT_RENDERINGS });
const json = async (blobs: BlobStore, key: string) => JSON.parse((await readBlob(blobs, key)).toString());

/** A tagging report of `n` persons whose thumbnails say `run` (what a kind found). */
const report = (n: number, run: number) =>
  ({ persons: Array.from({ length: n }, (_, i) => ({ times: [i], ranges: [], descriptor: [run, i], thumbnail: Buffer.from([0xff, 0xd8, run, i, 0xff, 0xd9]) })) }) as unknown as TagReport;

test("a job's result and faces are kept before its end; a worker that died between the put and the commit leaves a job that runs again and completes once", async () => {
  const dir = tempDir();
  const stores: Stores = { ...openSqliteStores(dir.path), blobs: new FileBlobs(dir.path) };
  const s = services(stores);
  try {
    const job = await stores.jobs.send({ account: 'acme', kind: 'probe', library: '', mode: 'nosave', priority: 1, queue: 'default', callback: { type: 'http', url: 'https://hooks.example.com/x', format: 'json' } });
    // The first run: its result and thumbnails put, then its worker dies (its lease runs out unrenewed).
    const first = (await stores.jobs.fetch('host:1', -1))!;
    await s.results.keep(first, { saved: false, matches: [], run: 1 }, facesOf(report(2, 1), first.id));
    assert.deepEqual(await stores.jobs.requeueRunning(3, { expiredOnly: true }), { requeued: 1, failed: 0 });

    // The second run, by a runner: the same job finds the same faces (the same ids) and completes.
    const kinds = new JobKinds().register('probe', {
      async run(j: JobRecord) {
        return { message: 'probed', result: { saved: false, matches: [], run: 2 }, effects: { faces: facesOf(report(2, 2), j.id) } };
      },
    });
    const runner = new JobRunner(stores.jobs, kinds, s.inputs, s.results, { concurrency: 1, worker: 'host:2' });
    runner.start();
    const ended = await until('the job to end', async () => {
      const j = (await stores.jobs.byId(job.id))!;
      return j.state === 'Success' && j;
    });
    await runner.stop();
    assert.deepEqual([ended.attempts, ended.code], [2, 'OK']);
    await assert.rejects(stores.jobs.complete({ id: job.id, worker: 'host:1' }, { code: 'OK', message: 'late' }), /not running here/);
    assert.equal((await stores.outbox.deliveries(job.id)).length, 1, 'one event: the job ended once');

    // Its result: the second run's, a blob (none in the row), with the native document beside it.
    assert.deepEqual((await s.jobs.result(localCaller('acme'), job.id)).result, { saved: false, matches: [], run: 2 });
    assert.equal(await stores.jobs.result(job.id), undefined);
    assert.deepEqual(readdirSync(join(dir.path, 'results')).sort(), [`${job.id}.json`, `${job.id}.native.json`]);
    assert.deepEqual(JSON.parse(readFileSync(join(dir.path, 'results', `${job.id}.native.json`), 'utf8')), JSON.parse(JSON.stringify(resultView(ended, { saved: false, matches: [], run: 2 }))));
    // Its faces: the second run's thumbnails under the same keys, nothing of the first run's left over.
    const ids = facesOf(report(2, 2), job.id).map((f) => f.id);
    assert.deepEqual(readdirSync(join(dir.path, 'faces')).sort(), ids.map((id) => `${id}.jpg`).sort());
    for (const [i, id] of ids.entries()) {
      assert.equal((await stores.faces.get('acme', id))!.jobId, job.id);
      const face = await s.jobs.face(localCaller('acme'), id);
      const bytes: Buffer[] = [];
      for await (const chunk of await s.jobs.thumbnail(face)) bytes.push(chunk as Buffer);
      assert.deepEqual([...Buffer.concat(bytes)], [0xff, 0xd8, 2, i, 0xff, 0xd9]);
    }
    assert.notDeepEqual(facesOf(report(1, 1), 'another job')[0].id, ids[0], "another job's faces have other ids");
  } finally {
    await s.close();
    dir.cleanup();
  }
});

/** Schema 6 (before results and thumbnails were blobs): the face thumbnail NOT NULL. */
/** A data directory as an older vdna left it: its database at schema 6, holding OLD_ROWS. */
function writeOldSqlite(dataDir: string): void {
  const db = new Database(join(dataDir, 'vdna.sqlite'));
  for (const migrate of MIGRATIONS.slice(0, 6)) migrate(db);
  db.pragma('user_version = 6');
  for (const [sql, args] of OLD_ROWS) db.prepare(sql).run(...args);
  db.close();
}

const THUMBNAIL = Buffer.from([0xff, 0xd8, 7, 7, 7, 0xff, 0xd9]);
const FACE = 'f0000000000000000000000a';
const DNA_RESULT = { saved: false, matches: [{ PrimaryKey: 'k0', Similarity: 0.9 }] };
const TAG_RESULT = { mediaDuration: 3, keywords: [], persons: [{ faceId: FACE, times: [1] }], locations: [], categories: [], ocr: [], asr: [], unavailable: [] };

/** What an older vdna wrote: a search with its result in the row, a tagging job and its face with its thumbnail, a failed job with "null". */
const OLD_ROWS: Array<[sql: string, args: unknown[]]> = [
  [
    `INSERT INTO jobs (id, account, kind, queue, library, mode, state, priority, code, message, result, attempts, created_at, completed_at)
     VALUES (?, ?, 'dna', 'default', 'films', 'nosave', 'Success', 1, 'OK', 'searched', ?, 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z')`,
    ['jdna', 'default', JSON.stringify(DNA_RESULT)],
  ],
  [
    `INSERT INTO jobs (id, account, kind, queue, library, mode, state, priority, code, message, result, attempts, created_at, completed_at)
     VALUES (?, ?, 'tag', 'default', '', 'nosave', 'Success', 1, 'OK', 'tagged', ?, 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z')`,
    ['jtag', 'default', JSON.stringify(TAG_RESULT)],
  ],
  [
    `INSERT INTO jobs (id, account, kind, queue, library, mode, state, priority, code, message, result, attempts, created_at)
     VALUES (?, ?, 'dna', 'default', 'films', 'nosave', 'Failed', 1, 'NOT_MEDIA', 'no', 'null', 1, '2026-01-01T00:00:00.000Z')`,
    ['jfailed', 'default'],
  ],
  [`INSERT INTO faces (id, account, job_id, descriptor, thumbnail, created_at) VALUES (?, 'default', 'jtag', '[0.5]', ?, '2026-01-01T00:00:01.000Z')`, [FACE, THUMBNAIL]],
];

/** The moved database: blobs where the rows were, the columns empty, the results read as before. */
async function checkMoved(stores: Stores, columns: () => Promise<{ thumbnails: number; results: number }>): Promise<void> {
  const s = services(stores);
  const admin = localCaller('default');
  // Readable before the move (the row), and after it (the blob).
  assert.deepEqual((await s.jobs.result(admin, 'jdna')).result, DNA_RESULT);
  assert.deepEqual(await s.moveToBlobs(), { thumbnails: 1, results: 2 });
  assert.deepEqual(await columns(), { thumbnails: 0, results: 0 });
  assert.deepEqual(await s.moveToBlobs(), { thumbnails: 0, results: 0 }, 'moved once');
  const { blobs } = stores;
  assert.deepEqual([...(await readBlob(blobs, `faces/${FACE}.jpg`))], [...THUMBNAIL]);
  assert.deepEqual((await blobs.list('results/')).sort(), ['results/jdna.json', 'results/jdna.native.json', 'results/jtag.json']);
  const jdna = (await stores.jobs.byId('jdna'))!;
  assert.deepEqual(await json(blobs, 'results/jdna.native.json'), JSON.parse(JSON.stringify(resultView(jdna, DNA_RESULT))));
  assert.deepEqual((await s.jobs.result(admin, 'jdna')).result, DNA_RESULT);
  assert.deepEqual((await s.jobs.result(admin, 'jtag')).result, TAG_RESULT);
  assert.equal((await s.jobs.result(admin, 'jfailed')).result, undefined);
  assert.equal((await s.jobs.face(admin, FACE)).descriptor[0], 0.5);
}

test('SQLite: a database of schema 6 opens with empty-able thumbnails; its thumbnails and results move into the data directory once', async () => {
  const dir = tempDir();
  try {
    writeOldSqlite(dir.path);
    const opened = openSqliteStores(dir.path);
    const stores: Stores = { ...opened, blobs: new FileBlobs(dir.path) };
    try {
      const count = (sql: string) => (opened.db.prepare(sql).get() as { n: number }).n;
      await checkMoved(stores, async () => ({
        thumbnails: count('SELECT COUNT(*) AS n FROM faces WHERE thumbnail IS NOT NULL'),
        results: count('SELECT COUNT(*) AS n FROM jobs WHERE result IS NOT NULL'),
      }));
      assert.ok(existsSync(join(dir.path, 'faces', `${FACE}.jpg`)));
    } finally {
      await stores.close();
    }
  } finally {
    dir.cleanup();
  }
});

test('PostgreSQL: a database of schema 2 gets version 3; its thumbnails and results move into a bucket once', async () => {
  cluster = await startPostgres();
  s3 = await startS3();
  const url = await cluster.database();
  const client = new pg.Client(url);
  await client.connect();
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  try {
    await client.query(PG_MIGRATIONS[0].sql);
    await client.query(PG_MIGRATIONS[1].sql);
    await client.query(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL); INSERT INTO schema_migrations VALUES (1, 't'), (2, 't')`);
    for (const [sql, args] of OLD_ROWS) await client.query(numbered(sql), args);
    const connection = { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, ...S3_CREDENTIALS };
    const stores: Stores = { ...(await openPostgresStores(url)), blobs: new S3Blobs({ connection, bucket: await s3.bucket(), prefix: 'vdna/' }) };
    try {
      const count = async (sql: string) => Number((await client.query(sql)).rows[0].n);
      await checkMoved(stores, async () => ({
        thumbnails: await count('SELECT COUNT(*) AS n FROM faces WHERE thumbnail IS NOT NULL'),
        results: await count('SELECT COUNT(*) AS n FROM jobs WHERE result IS NOT NULL'),
      }));
      assert.equal(Number((await client.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0].v), PG_MIGRATIONS.length);
    } finally {
      await stores.close();
    }
  } finally {
    await client.end();
  }
});

test('a data directory of the last release, started: its face thumbnail is served from the blobs, its results too, and the columns are empty', async () => {
  const dir = tempDir();
  try {
    writeOldSqlite(dir.path);
    const server = await startServer(dir.path, ['--workers', '0']);
    try {
      let res = await fetch(`${server.url}/v1/faces/${FACE}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(res.status, 200);
      assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [...THUMBNAIL]);
      const tagged = (await server.api('GET', '/v1/jobs/jtag/result')).body;
      res = await fetch(tagged.Person[0].FaceUrl);
      assert.equal(res.status, 200, 'its presigned FaceUrl');
      assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [...THUMBNAIL]);
      const job = (await server.api('GET', '/v1/jobs/jdna')).body;
      const result = (await server.api('GET', '/v1/jobs/jdna/result')).body;
      assert.deepEqual(result.Matches, DNA_RESULT.matches);
      res = await fetch(job.ResultUrl);
      assert.deepEqual(await res.json(), result, 'its presigned ResultUrl (this server\'s, without object storage)');
    } finally {
      await server.stop();
    }
    const db = new Database(join(dir.path, 'vdna.sqlite'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT thumbnail FROM faces').all(), [{ thumbnail: null }]);
      assert.deepEqual(db.prepare('SELECT id FROM jobs WHERE result IS NOT NULL').all(), []);
    } finally {
      db.close();
    }
    assert.deepEqual([...readFileSync(join(dir.path, 'faces', `${FACE}.jpg`))], [...THUMBNAIL]);
  } finally {
    dir.cleanup();
  }
});
