/**
 * Object storage end to end: an API-only server and a standalone worker on other data directories (as on
 * other machines) share one PostgreSQL database and one S3-compatible bucket (s3rver). Uploads reach the
 * worker through the bucket; registered media are served from it; jobs' results are kept in it, and a
 * job's ResultUrl and a media's ContentUrl are the bucket's own presigned URLs; nothing is left behind;
 * with the service down calls answer 503 STORAGE_UNAVAILABLE, nothing crashes, and a waiting job runs
 * once it is back.
 *
 * s3rver checks a presigned URL's access key and expiry, but not its signature (its SigV4 support is
 * incomplete: any signature passes, and so do requests with none). So the test checks what s3rver
 * refuses (another key id, an expired date) and checks each URL's signature itself (sigV4Valid, written
 * here from the SigV4 specification): the signature is the bucket's secret's, and any change breaks it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash, createHmac, randomBytes } from 'node:crypto';
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

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Whether a presigned GET URL carries the SigV4 signature of `secret` (AWS's "Authenticating requests:
 * using query parameters"): what S3, MinIO and the like check, and s3rver does not.
 */
function sigV4Valid(url: URL, secret: string): boolean {
  const q = url.searchParams;
  const [, date, region, service] = (q.get('X-Amz-Credential') ?? '').split('/');
  const query = [...q].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join('&');
  const headers = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
  const canonical = ['GET', url.pathname, query, ...headers.map((h) => `${h}:${h === 'host' ? url.host : ''}`), '', headers.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = ['aws4_request', service, region, date].reduceRight((k, part) => hmac(k, part), Buffer.from(`AWS4${secret}`));
  return hmac(key, toSign).toString('hex') === q.get('X-Amz-Signature');
}

/** The URL with one query parameter changed. */
function withParam(url: URL, name: string, value: string): URL {
  const changed = new URL(url);
  changed.searchParams.set(name, value);
  return changed;
}

/** A presigned URL of the bucket, checked: its signature, what s3rver refuses of a changed one, and what SigV4 would. */
async function checkPresigned(url: URL, endpoint: string): Promise<void> {
  assert.equal(url.origin, endpoint, 'the bucket\'s URL, not this server\'s');
  assert.ok(sigV4Valid(url, S3_CREDENTIALS.secretAccessKey), `signed with the bucket's secret: ${url}`);
  assert.equal(sigV4Valid(new URL(url.href.replace('/vdna/', '/vdna/x')), S3_CREDENTIALS.secretAccessKey), false, 'another object');
  assert.equal(sigV4Valid(withParam(url, 'X-Amz-Expires', '604800'), S3_CREDENTIALS.secretAccessKey), false, 'a longer life');
  assert.equal(sigV4Valid(url, 'another secret'), false);
  // What s3rver itself refuses: a key id it does not know, a URL whose life is over.
  let res = await fetch(withParam(url, 'X-Amz-Credential', (url.searchParams.get('X-Amz-Credential') ?? '').replace(/^[^/]+/, 'SOMEONEELSE')));
  assert.equal(res.status, 403);
  assert.match(await res.text(), /InvalidAccessKeyId/);
  res = await fetch(withParam(url, 'X-Amz-Date', '20200101T000000Z'));
  assert.equal(res.status, 403);
  assert.match(await res.text(), /Request has expired/);
}

function form(fields: Record<string, string>, path: string, name: string): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  body.set('Media', new Blob([readFileSync(path)]), name);
  return body;
}

test('a server and a worker on other machines share uploads through S3: jobs, search, results and media content at the bucket\'s presigned URLs; an outage is 503 and loses no job', async () => {
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
    const document = (await api('GET', `/v1/jobs/${search.JobId}/result`)).body;
    assert.equal(document.Matches[0].PrimaryKey, 'sintel');

    // Its result is kept in the bucket, and its ResultUrl is the bucket's own presigned URL of the native
    // result document: fetched with no key, the very document this server answers.
    assert.deepEqual((await objects(`vdna/results/${search.JobId}`)).sort(), [`vdna/results/${search.JobId}.json`, `vdna/results/${search.JobId}.native.json`]);
    const resultUrl = new URL(search.ResultUrl);
    assert.equal(resultUrl.pathname, `/${bucket}/vdna/results/${search.JobId}.native.json`);
    let res = await fetch(resultUrl);
    assert.deepEqual([res.status, res.headers.get('content-type')], [200, 'application/json']);
    assert.deepEqual(await res.json(), document);
    await checkPresigned(resultUrl, s3.endpoint);
    // The stored result itself is what the other doors render from.
    assert.deepEqual(JSON.parse(await (await fetch(resultUrl.href.replace('.native.json', '.json'))).text()).matches[0].PrimaryKey, 'sintel');

    // A registered media: kept in the bucket, served with Range and through its presigned URLs, used by a job.
    r = await api('POST', '/v1/media', form({ Title: 'Caminandes' }, OTHER, 'caminandes.mp4'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const mediaId = r.body.MediaId as string;
    assert.deepEqual(await objects('vdna/media/'), [`vdna/media/${mediaId}.mp4`]);
    assert.equal(existsSync(join(dir.path, 'api', 'media')), false);
    const bytes = readFileSync(OTHER);
    res = await fetch(`${server.url}/v1/media/${mediaId}/content`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(100, 200));
    // Its ContentUrl is the bucket's own presigned URL (seeking with Range too, typed as this server
    // types it); its pictures are this server's.
    const urls = (await api('GET', `/v1/media/${mediaId}/urls`)).body;
    const contentUrl = new URL(urls.ContentUrl);
    assert.equal(contentUrl.pathname, `/${bucket}/vdna/media/${mediaId}.mp4`);
    res = await fetch(contentUrl);
    assert.deepEqual([res.status, res.headers.get('content-type')], [200, 'video/mp4']);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
    res = await fetch(contentUrl, { headers: { range: 'bytes=100-199' } });
    assert.equal(res.status, 206);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes.subarray(100, 200));
    await checkPresigned(contentUrl, s3.endpoint);
    assert.equal((await api('GET', `/v1/media/${mediaId}/urls`, undefined, null)).status, 401, 'handed only to a caller who may read the media');
    // The web page may load them: its policy names the bucket's origin for media and pictures.
    const csp = (await fetch(`${server.url}/`)).headers.get('content-security-policy')!;
    assert.match(csp, new RegExp(`media-src 'self' ${s3.endpoint}(;|$)`));
    assert.match(csp, new RegExp(`img-src 'self' blob: ${s3.endpoint}(;|$)`));
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
    // Before the job ends its ResultUrl is this server's own, and stays good once the result is in the bucket.
    const earlyResultUrl = r.body.ResultUrl as string;
    assert.ok(earlyResultUrl.startsWith(`${server.url}/v1/jobs/${waiting}/result?Expires=`), earlyResultUrl);
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
    res = await fetch(earlyResultUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), (await api('GET', `/v1/jobs/${waiting}/result`)).body);
    assert.ok(new URL(resumed.ResultUrl).pathname.endsWith(`/vdna/results/${waiting}.native.json`));

    // Each job that succeeded has its result and native document in the bucket, the failed one none;
    // jobs are never removed (no retention yet), nor are their results.
    const succeeded = [saved.JobId, search.JobId, byMedia.JobId, waiting];
    assert.deepEqual((await objects('vdna/results/')).sort(), succeeded.flatMap((id) => [`vdna/results/${id}.json`, `vdna/results/${id}.native.json`]).sort());
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
