/** The HTTP API end to end: a real `vdna serve`, real media, real callback receivers. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { openAsBlob, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { ffmpeg, media, tempDir, vdna } from './helpers.js';
import { ADMIN_TOKEN, startReceiver, startServer, waitForJob, type RunningServer } from './service-helpers.js';

const SECRET = 'test-secret';
const SINTEL = media('video/zwm_sintel_10s.mp4');
const CAMINANDES = media('video/zwm_caminandes_10s.mp4');

function checkSignature(header: string | string[] | undefined, body: string): void {
  const m = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(String(header));
  assert.ok(m, `signature header: ${header}`);
  assert.equal(m[2], createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest('hex'));
}

async function upload(server: RunningServer, fields: Record<string, string>, file: string) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('Media', await openAsBlob(file), file.split('/').pop());
  return server.api('POST', '/v1/jobs', form);
}

describe('HTTP API', () => {
  const dir = tempDir();
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let query: string;

  before(async () => {
    // A pirated excerpt of Sintel: 3-8 s, scaled down, re-encoded.
    query = join(dir.path, 'query.mp4');
    ffmpeg(['-i', SINTEL, '-vf', 'fps=25,trim=3:8,setpts=PTS-STARTPTS,scale=320:-2', '-an', '-c:v', 'libx264', '-crf', '30', query]);
    receiver = await startReceiver();
    server = await startServer(join(dir.path, 'data'), ['--allow-path', dir.path, '--allow-path', media('video'), '--allow-private-urls', '--callback-secret', SECRET]);
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
    dir.cleanup();
  });

  test('libraries: create, list with counts, describe, duplicate and invalid names, delete', async () => {
    let r = await server.api('POST', '/v1/libraries', { Name: 'films', MediaType: 'video', Description: 'feature films' });
    assert.equal(r.status, 201);
    assert.deepEqual([r.body.Name, r.body.MediaType, r.body.ItemCount], ['films', 'video', 0]);
    assert.equal((await server.api('POST', '/v1/libraries', { Name: 'films' })).body.Code, 'DUPLICATE_LIBRARY');
    assert.equal((await server.api('POST', '/v1/libraries', { Name: '../etc' })).status, 400);
    assert.equal((await server.api('POST', '/v1/libraries', { Name: 'x', MediaType: 'smell' })).status, 400);
    r = await server.api('POST', '/v1/libraries', { Name: 'songs', MediaType: 'audio' });
    assert.equal(r.body.MediaType, 'audio');
    r = await server.api('GET', '/v1/libraries');
    assert.deepEqual(r.body.Libraries.map((l: any) => l.Name), ['films', 'songs']);
    assert.equal((await server.api('GET', '/v1/libraries/nope')).body.Code, 'UNKNOWN_LIBRARY');
    assert.equal((await server.api('DELETE', '/v1/libraries/songs')).status, 204);
    assert.equal((await server.api('GET', '/v1/libraries/songs')).status, 404);
  });

  test('jobs: upload and path saves, a search that finds the excerpt, result URL, user data, JSON and XML callbacks', async () => {
    await server.api('POST', '/v1/libraries', { Name: 'films' });
    const cb = (format: string) => JSON.stringify({ Type: 'HTTP', Url: `${receiver.url}/hook`, Format: format });
    let r = await upload(server, { Library: 'films', Mode: 'onlysave', PrimaryKey: 'sintel', Callback: cb('json') }, SINTEL);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const saveId = r.body.JobId;
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'save', PrimaryKey: 'caminandes', Input: { Type: 'Path', Source: CAMINANDES } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const pathId = r.body.JobId;
    assert.equal((await waitForJob(server, saveId)).State, 'Success');
    assert.equal((await waitForJob(server, pathId)).State, 'Success');

    r = await upload(server, { Library: 'films', Mode: 'nosave', UserData: '{"ticket":42}', Callback: cb('xml') }, query);
    const searchId = r.body.JobId;
    const job = await waitForJob(server, searchId);
    assert.equal(job.State, 'Success', JSON.stringify(job));
    assert.equal(job.Progress, 100);
    // The result URL is presigned: it needs no key.
    r = await server.api('GET', new URL(job.ResultUrl).pathname + new URL(job.ResultUrl).search, undefined, null);
    assert.equal(r.status, 200);
    assert.equal(r.body.UserData, '{"ticket":42}');
    assert.equal(r.body.Saved, false);
    assert.equal(r.body.Matches.length, 1, JSON.stringify(r.body));
    const [match] = r.body.Matches;
    assert.equal(match.PrimaryKey, 'sintel');
    const seg = match.VideoMatchSegments[0];
    assert.ok(Math.abs(seg.MasterStartTime - 3) <= 1 && Math.abs(seg.MasterEndTime - 8) <= 1, JSON.stringify(seg));
    assert.ok(seg.StartTime <= 1 && seg.EndTime >= 4, JSON.stringify(seg));

    // Query several jobs at once, one unknown.
    r = await server.api('GET', `/v1/jobs?JobIds=${saveId},${searchId},nosuchjob`);
    assert.deepEqual(r.body.Jobs.map((j: any) => j.JobId), [saveId, searchId]);
    assert.deepEqual(r.body.NonExistJobIds, ['nosuchjob']);

    // Items: both stored once, paged.
    r = await server.api('GET', '/v1/libraries/films/items?Limit=1');
    assert.deepEqual(r.body.Items.map((i: any) => i.PrimaryKey), ['caminandes']);
    r = await server.api('GET', `/v1/libraries/films/items?Limit=1&Cursor=${r.body.NextCursor}`);
    assert.deepEqual(r.body.Items.map((i: any) => i.PrimaryKey), ['sintel']);
    assert.equal(r.body.NextCursor, undefined);

    // Callbacks: one JSON (the upload save), one XML (the search), both signed.
    const got = await receiver.waitFor(2);
    const jsonCall = got.find((g) => g.headers['content-type']!.startsWith('application/json'))!;
    const xmlCall = got.find((g) => g.headers['content-type']!.startsWith('application/xml'))!;
    checkSignature(jsonCall.headers['x-vdna-signature'], jsonCall.body);
    checkSignature(xmlCall.headers['x-vdna-signature'], xmlCall.body);
    const event = JSON.parse(jsonCall.body);
    assert.equal(event.EventId, jsonCall.headers['x-vdna-event-id'], 'the event id is in the body and the header');
    for (const field of ['EventId', 'EventType', 'EventTime', 'JobId', 'MediaId', 'Status', 'Code', 'Message', 'Data', 'CompleteTime']) {
      assert.ok(field in event, `event field ${field}`);
    }
    assert.deepEqual([event.EventType, event.JobId, event.MediaId, event.Status, event.Code], ['AIMediaDNAComplete', saveId, 'sintel', 'Success', 'OK']);
    const xml = new XMLParser({ parseTagValue: false }).parse(xmlCall.body).Event;
    assert.equal(xml.JobId, searchId);
    assert.equal(xml.Status, 'Success');
    assert.equal(xml.Data.UserData, '{"ticket":42}');
    assert.equal(xml.Data.Result.Matches.PrimaryKey, 'sintel');
    // Delivery log.
    r = await server.api('GET', `/v1/jobs/${searchId}/deliveries`);
    assert.equal(r.body.Deliveries[0].State, 'Delivered');
    assert.equal(r.body.Deliveries[0].Log[0].Status, 200);
  });

  test('save skips a duplicate, forcesave stores it, delete removes it, bulk delete is bounded', async () => {
    await server.api('POST', '/v1/libraries', { Name: 'dups' });
    let r = await server.api('POST', '/v1/jobs', { Library: 'dups', Mode: 'onlysave', PrimaryKey: 'a', Input: { Type: 'Path', Source: SINTEL } });
    await waitForJob(server, r.body.JobId);
    r = await server.api('POST', '/v1/jobs', { Library: 'dups', Mode: 'save', PrimaryKey: 'b', Input: { Type: 'Path', Source: query } });
    let job = await waitForJob(server, r.body.JobId);
    let result = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body;
    assert.equal(result.Saved, false);
    assert.equal(result.Matches[0].PrimaryKey, 'a');
    r = await server.api('POST', '/v1/jobs', { Library: 'dups', Mode: 'forcesave', PrimaryKey: 'b', Input: { Type: 'Path', Source: query } });
    job = await waitForJob(server, r.body.JobId);
    result = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body;
    assert.equal(result.Saved, true);
    assert.equal(result.Matches[0].PrimaryKey, 'a');
    r = await server.api('POST', '/v1/jobs', { Library: 'dups', Mode: 'onlysave', PrimaryKey: 'b', Input: { Type: 'Path', Source: query } });
    job = await waitForJob(server, r.body.JobId);
    assert.deepEqual([job.State, job.Code], ['Failed', 'DUPLICATE_KEY']);
    r = await server.api('POST', '/v1/jobs', { Library: 'dups', Mode: 'delete', PrimaryKey: 'b' });
    job = await waitForJob(server, r.body.JobId);
    assert.equal((await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body.Deleted, true);
    r = await server.api('GET', '/v1/libraries/dups/items');
    assert.deepEqual(r.body.Items.map((i: any) => i.PrimaryKey), ['a']);
    const keys = Array.from({ length: 51 }, (_, i) => `k${i}`);
    assert.equal((await server.api('DELETE', '/v1/libraries/dups/items', { PrimaryKeys: keys })).status, 400);
    r = await server.api('DELETE', '/v1/libraries/dups/items', { PrimaryKeys: ['a', 'zz'] });
    assert.deepEqual(r.body, { Deleted: ['a'], NotFound: ['zz'] });
  });

  test('bad input: clear codes, and nothing queued or stored', async () => {
    await server.api('POST', '/v1/libraries', { Name: 'bad' });
    const before = (await server.api('GET', '/v1/jobs?Library=bad')).body.Jobs.length;
    const cases: Array<[unknown, number, string]> = [
      ['{"Library": "bad",', 400, 'MALFORMED_REQUEST'],
      [{ Library: 'nope', Input: { Type: 'Path', Source: SINTEL } }, 404, 'UNKNOWN_LIBRARY'],
      [{ Library: 'bad', Mode: 'save', Input: { Type: 'Path', Source: SINTEL } }, 400, 'INVALID_ARGUMENT'],
      [{ Library: 'bad', Mode: 'teleport', Input: { Type: 'Path', Source: SINTEL } }, 400, 'INVALID_ARGUMENT'],
      [{ Library: 'bad', Priority: 7, Input: { Type: 'Path', Source: SINTEL } }, 400, 'INVALID_ARGUMENT'],
      [{ Library: 'bad', UserData: 'x'.repeat(1025), Input: { Type: 'Path', Source: SINTEL } }, 400, 'INVALID_ARGUMENT'],
      [{ Library: 'bad', Input: { Type: 'Path', Source: '/etc/passwd' } }, 403, 'PATH_NOT_ALLOWED'],
      [{ Library: 'bad', Input: { Type: 'Path', Source: `${media('video')}/../audio/codec2_david4_8k.wav` } }, 403, 'PATH_NOT_ALLOWED'],
      [{ Library: 'bad', Input: { Type: 'URL', Source: 'file:///etc/passwd' } }, 403, 'URL_NOT_ALLOWED'],
      [{ Library: 'bad', Input: { Type: 'URL', Source: 'gopher://example.com/x' } }, 403, 'URL_NOT_ALLOWED'],
      [{ Library: 'bad', Input: { Type: 'S3', Source: 's3://bucket/key' } }, 400, 'INVALID_ARGUMENT'],
      [{ Library: 'bad', Input: { Type: 'Path', Source: SINTEL }, Callback: { Type: 'HTTP', Url: 'ftp://x' } }, 403, 'URL_NOT_ALLOWED'],
      [{ Library: 'bad', Input: { Type: 'Path', Source: SINTEL }, Callback: { Type: 'Redis', Stream: 's' } }, 400, 'INVALID_ARGUMENT'],
    ];
    for (const [body, status, code] of cases) {
      const r = await server.api('POST', '/v1/jobs', body);
      assert.equal(r.status, status, `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`);
      assert.equal(r.body.Code, code, JSON.stringify(body));
      assert.ok(r.body.Message.length > 0);
    }
    // Uploads that are not video: the submission answers at once; the job probes them and fails with the code.
    const notMedia = join(dir.path, 'notes.mp4');
    writeFileSync(notMedia, 'this is not a video');
    let r = await upload(server, { Library: 'bad' }, notMedia);
    assert.equal(r.status, 201);
    let refused = await waitForJob(server, r.body.JobId);
    assert.deepEqual([refused.State, refused.Code], ['Failed', 'NOT_MEDIA']);
    assert.match(refused.Message, /notes\.mp4/);
    assert.ok(!refused.Message.includes(join(dir.path, 'data')), `the message names the upload, not the staging path: ${refused.Message}`);
    r = await upload(server, { Library: 'bad', Mode: 'onlysave', PrimaryKey: 'speech' }, media('audio/codec2_david4_8k.wav'));
    refused = await waitForJob(server, r.body.JobId);
    assert.deepEqual([refused.State, refused.Code], ['Failed', 'NO_VIDEO_STREAM'], 'a video library stores pictures');
    // Corrupt media that probes: the job fails with a code; nothing stored.
    const corrupt = join(dir.path, 'corrupt.mp4');
    ffmpeg(['-i', SINTEL, '-t', '4', '-c', 'copy', corrupt]);
    const bytes = Buffer.from(await (await openAsBlob(corrupt)).arrayBuffer());
    for (let i = 4096; i < bytes.length; i += 97) bytes[i] ^= 0xff;
    writeFileSync(corrupt, bytes);
    r = await server.api('POST', '/v1/jobs', { Library: 'bad', Mode: 'onlysave', PrimaryKey: 'c', Input: { Type: 'Path', Source: corrupt } });
    const job = await waitForJob(server, r.body.JobId);
    assert.equal(job.State, 'Failed');
    assert.match(job.Code, /CORRUPT_MEDIA|TRUNCATED_MEDIA|NOT_MEDIA/);
    // An unreachable URL: the job fails with DOWNLOAD_FAILED.
    r = await server.api('POST', '/v1/jobs', { Library: 'bad', Input: { Type: 'URL', Source: 'http://127.0.0.1:9/none.mp4' } });
    const failed = await waitForJob(server, r.body.JobId);
    assert.deepEqual([failed.State, failed.Code], ['Failed', 'DOWNLOAD_FAILED']);
    assert.equal((await server.api('GET', `/v1/jobs/${failed.JobId}/result`)).body.Code, 'DOWNLOAD_FAILED');
    assert.equal((await server.api('GET', '/v1/libraries/bad')).body.ItemCount, 0);
    const jobs = (await server.api('GET', '/v1/jobs?Library=bad')).body.Jobs.length;
    assert.equal(jobs - before, 4, 'only the well-formed requests were queued');
    assert.deepEqual(readdirSync(join(dir.path, 'data', 'staging')).filter((f) => !f.startsWith('.')), [], 'no staged file left');
    assert.equal((await server.api('GET', '/v1/jobs/nosuch')).body.Code, 'UNKNOWN_JOB');
    // Refused before routing, or by the HTTP parser: still vdna's error shape.
    assert.deepEqual(Object.values(await server.api('GET', `/v1/libraries/${'a'.repeat(200)}`)).slice(0, 1)[0], 414);
    assert.equal((await server.api('GET', `/v1/libraries/${'a'.repeat(200)}`)).body.Code, 'URI_TOO_LONG');
    const huge = await server.api('GET', `/v1/libraries?x=${'a'.repeat(90_000)}`);
    assert.deepEqual([huge.status, huge.body.Code], [431, 'REQUEST_TOO_LARGE']);
    assert.equal((await server.api('GET', '/v1/nothing')).status, 404);
  });

  test('a media URL is downloaded (redirect followed) and searched', async () => {
    const files = http.createServer((req, res) => {
      if (req.url === '/old') return res.writeHead(302, { location: '/clip.mp4' }).end();
      void openAsBlob(query).then(async (b) => res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.from(await b.arrayBuffer())));
    });
    files.listen(0, '127.0.0.1');
    await new Promise((r) => files.once('listening', r));
    const port = (files.address() as { port: number }).port;
    try {
      const r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'URL', Source: `http://127.0.0.1:${port}/old` } });
      const job = await waitForJob(server, r.body.JobId);
      assert.equal(job.State, 'Success', JSON.stringify(job));
      const result = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body;
      assert.equal(result.Matches[0]?.PrimaryKey, 'sintel');
    } finally {
      files.close();
    }
  });

  test('OpenAPI document, docs page, health and Prometheus metrics', async () => {
    let r = await server.api('GET', '/openapi.json');
    assert.equal(r.body.openapi, '3.0.3');
    for (const path of ['/v1/libraries', '/v1/libraries/{name}/items', '/v1/jobs', '/v1/jobs/{id}/result', '/v1/queues/{name}/pause']) {
      assert.ok(path in r.body.paths, `OpenAPI documents ${path}`);
    }
    r = await server.api('GET', '/docs/');
    assert.equal(r.status, 200);
    assert.match(String(r.body), /swagger/i);
    assert.equal((await server.api('GET', '/healthz')).body.Status, 'ok');
    r = await server.api('GET', '/metrics');
    assert.match(r.body, /^vdna_jobs\{state="Success"\} [1-9]/m);
    assert.match(r.body, /^vdna_http_request_duration_seconds_count\{method="POST",route="\/v1\/jobs",status="201"\} \d+/m);
    assert.match(r.body, /^vdna_callback_attempts_total\{type="http",ok="true"\} \d+/m);
    // Structured logs: one JSON object per line, with request ids.
    const lines = server.log().split('\n').filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 5 && lines.every((l) => typeof JSON.parse(l).level === 'number'));
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'job ended'));
  });

  test('CLI: vdna jobs submit --wait uploads, watches and prints the matches; get and list', async () => {
    const env = { VDNA_SERVER: server.url, VDNA_API_KEY: ADMIN_TOKEN };
    const r = vdna(['jobs', 'submit', 'films', query, '--wait'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /sintel\s+\d\.\d{3}/);
    const json = vdna(['jobs', 'submit', 'films', query, '--json'], env);
    const id = JSON.parse(json.stdout).JobId;
    const watched = vdna(['jobs', 'watch', id, '--json'], env);
    assert.equal(JSON.parse(watched.stdout).Matches[0].PrimaryKey, 'sintel');
    assert.match(vdna(['jobs', 'get', id], env).stdout, new RegExp(`${id}\\s+Success`));
    assert.match(vdna(['jobs', 'list', '--state', 'Success', '--limit', '2'], env).stdout, /more: --cursor \S+/);
    const bad = vdna(['jobs', 'submit', 'nope', query], env);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /\[UNKNOWN_LIBRARY\]/);
    const down = vdna(['jobs', 'get', id], { VDNA_SERVER: 'http://127.0.0.1:9' });
    assert.match(down.stderr, /\[SERVER_UNREACHABLE\]/);
  });
});

describe('HTTP API limits', () => {
  test('uploads over the size limit are refused with 413 and leave nothing; private URLs are refused by default', async () => {
    const dir = tempDir();
    const server = await startServer(join(dir.path, 'data'), ['--max-upload-mb', '1']);
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      const big = join(dir.path, 'big.mp4');
      writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 7));
      let r = await upload(server, { Library: 'films' }, big);
      assert.deepEqual([r.status, r.body.Code], [413, 'PAYLOAD_TOO_LARGE']);
      assert.deepEqual((await server.api('GET', '/v1/jobs')).body.Jobs, []);
      assert.deepEqual(readdirSync(join(dir.path, 'data', 'staging')), []);
      for (const url of ['http://127.0.0.1:8080/x.mp4', 'http://localhost/x.mp4', 'http://[::1]/x.mp4', 'http://169.254.169.254/latest', 'http://10.0.0.1/x']) {
        r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'URL', Source: url } });
        assert.deepEqual([r.status, r.body.Code], [403, 'URL_NOT_ALLOWED'], url);
      }
      r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Path', Source: SINTEL } });
      assert.deepEqual([r.status, r.body.Code], [403, 'PATH_NOT_ALLOWED']);
      r = await server.api('PUT', '/v1/queues/default', { Callback: { Type: 'HTTP', Url: 'http://127.0.0.1:1/hook' } });
      assert.deepEqual([r.status, r.body.Code], [403, 'URL_NOT_ALLOWED']);
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });
});
