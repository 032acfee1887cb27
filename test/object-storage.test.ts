/**
 * Object storage end to end: an API-only server and a standalone worker on other data directories (as on
 * other machines) share one PostgreSQL database and one S3-compatible bucket (s3rver). Uploads reach the
 * worker through the bucket; registered media are served from it; nothing is left behind; with the
 * service down calls answer 503 STORAGE_UNAVAILABLE, nothing crashes, and a waiting job runs once it is back.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { media, ROOT, tempDir, until } from './helpers.js';
import { S3_CREDENTIALS, startS3, type TestS3 } from './blob-engines.js';
import { startPostgres, type Postgres } from './postgres-helpers.js';
import { ADMIN_TOKEN, startServer, waitForJob, type RunningServer } from './service-helpers.js';

const CLIP = media('video/zwm_sintel_10s.mp4');
const OTHER = media('video/zwm_caminandes_10s.mp4');

let cluster: Postgres | undefined;
let s3: TestS3 | undefined;
after(async () => {
  cluster?.stop();
  await s3?.close();
});

function form(fields: Record<string, string>, path: string, name: string): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  body.set('Media', new Blob([readFileSync(path)]), name);
  return body;
}

test('a server and a worker on other machines share uploads through S3: jobs, search, media content; an outage is 503 and loses no job', async () => {
  cluster = await startPostgres();
  s3 = await startS3();
  const bucket = await s3.bucket();
  const env = { VDNA_DATABASE_URL: await cluster.database(), VDNA_MASTER_KEY: randomBytes(32).toString('hex'), VDNA_LEASE_S: '3', ...s3.env(bucket, 'vdna') };
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  const objects = async (prefix: string) => ((await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
  const dir = tempDir();
  let server: RunningServer | undefined;
  let worker: ChildProcess | undefined;
  let workerOutput = '';
  try {
    server = await startServer(join(dir.path, 'api'), ['--workers', '0'], env);
    worker = spawn(process.execPath, [join(ROOT, 'bin', 'vdna.js'), '--data', join(dir.path, 'worker'), 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    worker.stderr!.on('data', (d) => (workerOutput += d));
    const api = server.api;
    assert.equal((await api('POST', '/v1/libraries', { Name: 'films' })).status, 201);

    // An upload job: kept in the bucket, fingerprinted by the worker (whose data directory never saw it), then removed.
    let r = await api('POST', '/v1/jobs', form({ Library: 'films', Mode: 'save', PrimaryKey: 'sintel' }, CLIP, 'sintel.mp4'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const saved = await waitForJob(server, r.body.JobId, 180_000);
    assert.equal(saved.State, 'Success', JSON.stringify(saved));
    assert.deepEqual(await objects('vdna/staging/'), []);
    assert.deepEqual(readdirSync(join(dir.path, 'worker', 'staging')), []);

    // A search by upload finds it.
    r = await api('POST', '/v1/jobs', form({ Library: 'films', Mode: 'nosave' }, CLIP, 'query.mp4'));
    const search = await waitForJob(server, r.body.JobId, 180_000);
    assert.equal(search.State, 'Success', JSON.stringify(search));
    assert.equal((await api('GET', `/v1/jobs/${search.JobId}/result`)).body.Matches[0].PrimaryKey, 'sintel');

    // A registered media: kept in the bucket, served with Range and through its presigned URLs, used by a job.
    r = await api('POST', '/v1/media', form({ Title: 'Caminandes' }, OTHER, 'caminandes.mp4'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const mediaId = r.body.MediaId as string;
    assert.deepEqual(await objects('vdna/media/'), [`vdna/media/${mediaId}.mp4`]);
    assert.equal(existsSync(join(dir.path, 'api', 'media')), false);
    const bytes = readFileSync(OTHER);
    let res = await fetch(`${server.url}/v1/media/${mediaId}/content`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(100, 200));
    const urls = (await api('GET', `/v1/media/${mediaId}/urls`)).body;
    res = await fetch(`${server.url}${urls.ContentUrl}`);
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get('content-length')), bytes.length);
    res = await fetch(`${server.url}${urls.ThumbnailUrl}&Time=2&Width=64`);
    assert.deepEqual([res.status, res.headers.get('content-type')], [200, 'image/jpeg']);
    assert.deepEqual([...Buffer.from(await res.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8]);
    r = await api('POST', '/v1/jobs', { Library: 'films', Mode: 'save', PrimaryKey: 'caminandes', Input: { Type: 'Media', Source: mediaId } });
    const byMedia = await waitForJob(server, r.body.JobId, 180_000);
    assert.equal(byMedia.State, 'Success', JSON.stringify(byMedia));
    assert.deepEqual(await objects('vdna/media/'), [`vdna/media/${mediaId}.mp4`]);

    // A media whose object went missing: a clear error, for the content and for a job.
    r = await api('POST', '/v1/media', form({}, CLIP, 'gone.mp4'));
    const gone = r.body.MediaId as string;
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `vdna/media/${gone}.mp4` }));
    r = await api('GET', `/v1/media/${gone}/content`);
    assert.deepEqual([r.status, r.body.Code], [422, 'FILE_NOT_FOUND'], JSON.stringify(r.body));
    r = await api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Media', Source: gone } });
    const missing = await waitForJob(server, r.body.JobId, 60_000);
    assert.deepEqual([missing.State, missing.Code], ['Failed', 'FILE_NOT_FOUND'], JSON.stringify(missing));

    // Deleting a media removes its object.
    assert.equal((await api('DELETE', `/v1/media/${gone}`)).status, 204);

    // The service down: submissions and reads answer 503, the server lives on; a job waiting for its
    // upload goes back to the queue and runs once the service is back.
    assert.equal((await api('POST', '/v1/queues/default/pause')).status, 200);
    r = await api('POST', '/v1/jobs', form({ Library: 'films', Mode: 'save', PrimaryKey: 'again' }, CLIP, 'again.mp4'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const waiting = r.body.JobId as string;
    await s3.stop();
    try {
      r = await api('POST', '/v1/jobs', form({ Library: 'films', Mode: 'nosave' }, CLIP, 'down.mp4'));
      assert.deepEqual([r.status, r.body.Code], [503, 'STORAGE_UNAVAILABLE'], JSON.stringify(r.body));
      assert.match(r.body.Message, /object storage .* is unavailable/);
      r = await api('GET', `/v1/media/${mediaId}/content`);
      assert.deepEqual([r.status, r.body.Code], [503, 'STORAGE_UNAVAILABLE'], JSON.stringify(r.body));
      r = await api('POST', '/v1/media', form({}, CLIP, 'down.mp4'));
      assert.deepEqual([r.status, r.body.Code], [503, 'STORAGE_UNAVAILABLE'], JSON.stringify(r.body));
      assert.deepEqual(readdirSync(join(dir.path, 'api', 'staging')), []);
      assert.equal((await api('POST', '/v1/queues/default/resume')).status, 200);
      await until('the worker to meet the outage', () => /object storage .* is unavailable/.test(workerOutput) || undefined, 60_000);
      assert.equal((await api('GET', '/healthz', undefined, null)).status, 200);
    } finally {
      await s3.start();
    }
    const resumed = await waitForJob(server, waiting, 180_000);
    assert.deepEqual([resumed.State, resumed.Code], ['Success', 'OK'], JSON.stringify(resumed));
    assert.ok(resumed.Attempts >= 2, JSON.stringify(resumed));
    assert.deepEqual(await objects('vdna/staging/'), []);
    assert.equal(worker.exitCode, null, 'the worker is still running');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${server?.log().slice(-4000)}\n---\n${workerOutput.slice(-4000)}`, { cause: err });
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await server?.stop();
    client.destroy();
    dir.cleanup();
  }
});
