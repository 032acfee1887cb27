/**
 * The Tencent Cloud door, proved with the official client unmodified: cos-nodejs-sdk-v5's cos.request
 * with XML bodies against a real `vdna serve`, inputs in a real S3-compatible server, real media, and
 * the job callback (XML) at a real receiver.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { XMLParser } from 'fast-xml-parser';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { ffmpeg, media, tempDir } from './helpers.js';
import { startReceiver, startServer, type RunningServer } from './service-helpers.js';

const SECRET_ID = 'AKIDvdnaTencentDoor01';
const SECRET_KEY = 'tencent-door-test-secret-0123';
const BUCKET = 'examplebucket-1250000000';
const SINTEL = media('video/zwm_sintel_10s.mp4');

type Json = Record<string, any>;

describe('Tencent Cloud door: DNA jobs through cos-nodejs-sdk-v5', () => {
  const dir = tempDir();
  let server: RunningServer;
  let s3: S3rver;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dbId: string;

  const cos = (secretKey = SECRET_KEY) => new COS({ SecretId: SECRET_ID, SecretKey: secretKey });
  /** cos.request as Tencent's docs use it for CI, against the door under /tencent. */
  const call = (c: InstanceType<typeof COS>, opts: { Method: string; Key: string; Body?: object; Query?: Record<string, string>; Action?: string }): Promise<Json> =>
    new Promise((resolve, reject) =>
      c.request(
        {
          Bucket: BUCKET,
          Region: 'ap-chongqing',
          Method: opts.Method,
          Key: opts.Key,
          Url: `${server.url}/tencent/${opts.Key}`,
          ...(opts.Query && { Query: opts.Query }),
          ...(opts.Action && { Action: opts.Action }),
          ...(opts.Body && { Headers: { 'content-type': 'application/xml' }, Body: COS.util.json2xml(opts.Body) }),
        } as never,
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Json)),
      ),
    );
  const submit = (request: Json, c = cos()) => call(c, { Method: 'POST', Key: 'jobs', Body: { Request: request } });
  const until = async (id: string): Promise<Json> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const detail = (await call(cos(), { Method: 'GET', Key: `jobs/${id}` })).Response.JobsDetail;
      if (['Success', 'Failed', 'Cancel'].includes(detail.State)) return detail;
      assert.ok(Date.now() < deadline, `job ${id} still ${detail.State}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(async () => {
    const copy = join(dir.path, 'copy.mp4');
    ffmpeg(['-i', SINTEL, '-vf', 'fps=25,trim=3:8,setpts=PTS-STARTPTS,scale=320:-2', '-an', '-c:v', 'libx264', '-crf', '30', copy]);
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir.path, 's3') });
    const { port } = (await s3.run()) as { port: number };
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'input/sintel.mp4', Body: readFileSync(SINTEL) }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'input/copy.mp4', Body: readFileSync(copy) }));
    receiver = await startReceiver();
    server = await startServer(join(dir.path, 'data'), ['--s3-endpoint', endpoint, '--allow-private-urls', '--tencent-bucket', BUCKET], {
      VDNA_S3_ACCESS_KEY_ID: 'S3RVER',
      VDNA_S3_SECRET_ACCESS_KEY: 'S3RVER',
      VDNA_ACCESS_KEYS: `default:${SECRET_ID}:${SECRET_KEY}`,
    });
    // Tencent has no API to make a DNA library (a ticket does it): the native API makes one.
    const lib = (await server.api('POST', '/v1/libraries', { Name: 'films' })).body;
    dbId = `Db${lib.LibraryId}`;
  });
  after(async () => {
    await server?.stop();
    await s3?.close();
    await receiver?.close();
    dir.cleanup();
  });

  test('GetFingerPrint stores, FindSimilarVideo finds the copy with its spans, the XML callback arrives, jobs are listed and read back', async () => {
    let res = await submit({ Tag: 'DNA', Input: { Object: 'input/sintel.mp4' }, Operation: { DnaConfig: { RuleType: 'GetFingerPrint', DnaDbId: dbId }, JobLevel: '2' } });
    assert.match(res.RequestId, /\S/);
    const stored = res.Response.JobsDetail;
    assert.match(stored.JobId, /^j[0-9a-f]{32}$/);
    assert.deepEqual([stored.State, stored.Tag, stored.StartTime, stored.Operation.JobLevel], ['Submitted', 'DNA', '-', '2']);
    assert.match(stored.CreationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    const videoId = stored.Operation.DnaConfig.VideoId;
    assert.match(videoId, /^dv[0-9a-f]{32}$/);
    assert.equal((await until(stored.JobId)).State, 'Success');

    res = await submit({
      Tag: 'DNA',
      Input: { Object: 'input/copy.mp4' },
      Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: dbId }, UserData: 'This is my data.' },
      CallBack: `${receiver.url}/ci`,
    });
    const found = await until(res.Response.JobsDetail.JobId);
    assert.equal(found.State, 'Success', JSON.stringify(found));
    assert.deepEqual([found.Input.BucketId, found.Input.Object, found.Operation.UserData], [BUCKET, 'input/copy.mp4', 'This is my data.']);
    const detection = found.Operation.DNAResult.Detection;
    assert.equal(detection.VideoId, videoId);
    assert.ok(Number(detection.Similar) >= 50 && Number(detection.Similar) <= 100, detection.Similar);
    assert.match(detection.Similar, /^\d+$/, 'Similar is an integer percentage');
    assert.equal(detection.Duration, '10', "Duration is the similar video's");
    // Match*: the similar (library) video's times; Src*: the source (the query)'s.
    assert.ok(Math.abs(Number(detection.MatchDetail.MatchStartTime) - 3) <= 1 && Math.abs(Number(detection.MatchDetail.MatchEndTime) - 8) <= 1, JSON.stringify(detection));
    assert.ok(Number(detection.MatchDetail.SrcStartTime) <= 1 && Number(detection.MatchDetail.SrcEndTime) >= 4, JSON.stringify(detection));

    // The callback: XML by default, <Response><EventName>TaskFinish</EventName><JobsDetail>.
    const [event] = (await receiver.waitFor(1)).filter((r) => r.body.includes(found.JobId));
    assert.match(String(event.headers['content-type']), /xml/);
    const xml = new XMLParser({ parseTagValue: false }).parse(event.body).Response;
    assert.equal(xml.EventName, 'TaskFinish');
    assert.deepEqual([xml.JobsDetail.JobId, xml.JobsDetail.State, xml.JobsDetail.Operation.DNAResult.Detection.VideoId], [found.JobId, 'Success', videoId]);

    // GET /jobs/{a,b} with an unknown id; GET /jobs filtered and paged, both orders.
    res = await call(cos(), { Method: 'GET', Key: `jobs/${stored.JobId},j${'0'.repeat(32)}` });
    assert.equal(res.Response.JobsDetail.JobId, stored.JobId);
    assert.equal(res.Response.NonExistJobIds, `j${'0'.repeat(32)}`);
    res = await call(cos(), { Method: 'GET', Key: 'jobs', Query: { tag: 'DNA', states: 'Success', size: '1', orderByTime: 'Asc' } });
    assert.equal(res.Response.JobsDetail.JobId, stored.JobId);
    res = await call(cos(), { Method: 'GET', Key: 'jobs', Query: { tag: 'DNA', size: '1', nextToken: res.Response.NextToken, orderByTime: 'Asc' } });
    assert.equal(res.Response.JobsDetail.JobId, found.JobId);
    res = await call(cos(), { Method: 'GET', Key: 'jobs', Query: { queueId: stored.QueueId, size: '10' } });
    assert.equal(res.Response.JobsDetail.length, 2);

    // The library and its files, Tencent-style.
    res = await call(cos(), { Method: 'GET', Key: 'dnadb', Query: { ids: `${dbId},Dbnope` } });
    assert.deepEqual([res.Response.DNADbConfig.DNADbId, res.Response.DNADbConfig.DNADbName, res.Response.DNADbConfig.Capacity, res.Response.NonExistIDs], [dbId, 'films', '1', 'Dbnope']);
    res = await call(cos(), { Method: 'GET', Key: 'dnadb_files', Query: { dnaDbId: dbId, object: 'input/sintel.mp4' } });
    assert.deepEqual([res.Response.DNADbFiles.VideoId, res.Response.DNADbFiles.Object, res.Response.TotalCount], [videoId, 'input/sintel.mp4', '1']);

    // DeleteFingerPrint removes it.
    res = await submit({ Tag: 'DNA', Operation: { DnaConfig: { RuleType: 'DeleteFingerPrint', DnaDbId: dbId, VideoId: videoId } }, CallBack: 'no' });
    assert.equal((await until(res.Response.JobsDetail.JobId)).State, 'Success');
    assert.equal((await server.api('GET', '/v1/libraries/films')).body.ItemCount, 0);
  });

  test('cancel, as the SDK sends it (?cancel) and as Tencent\'s demo does (no query); a JSON callback; a retried POST makes one job', async () => {
    await server.api('POST', '/v1/queues/default/pause');
    try {
      const a = (await submit({ Tag: 'DNA', Input: { Object: 'input/copy.mp4' }, Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: dbId } } })).Response.JobsDetail;
      assert.equal(a.State, 'Pause');
      await call(cos(), { Method: 'PUT', Key: `jobs/${a.JobId}`, Action: 'cancel' });
      assert.equal((await call(cos(), { Method: 'GET', Key: `jobs/${a.JobId}` })).Response.JobsDetail.State, 'Cancel');
      const b = (await submit({ Tag: 'DNA', Input: { Object: 'input/copy.mp4' }, Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: dbId } } })).Response.JobsDetail;
      await call(cos(), { Method: 'PUT', Key: `jobs/${b.JobId}` });
      assert.equal((await call(cos(), { Method: 'GET', Key: `jobs/${b.JobId}` })).Response.JobsDetail.State, 'Cancel');
    } finally {
      await server.api('POST', '/v1/queues/default/resume');
    }
    // The COS SDK resends a POST after a 5xx with x-cos-sdk-retry: true; the retry answers the first attempt's job.
    const body = COS.util.json2xml({ Request: { Tag: 'DNA', Input: { Object: 'input/copy.mp4' }, Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: dbId } }, CallBack: `${receiver.url}/json`, CallBackFormat: 'JSON' } });
    const auth = (retry: boolean) =>
      COS.getAuthorization({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Method: 'POST', Key: 'jobs', Headers: { host: new URL(server.url).host, ...(retry && { 'x-cos-sdk-retry': 'true' }) } });
    const post = (retry: boolean) =>
      fetch(`${server.url}/tencent/jobs`, { method: 'POST', body, headers: { authorization: auth(retry), 'content-type': 'application/xml', ...(retry && { 'x-cos-sdk-retry': 'true' }) } });
    const parse = async (r: Response) => new XMLParser({ parseTagValue: false }).parse(await r.text()).Response.JobsDetail.JobId as string;
    const first = await parse(await post(false));
    const again = await parse(await post(true));
    assert.equal(again, first, 'a retry makes no second job');
    const done = await until(first);
    const [event] = (await receiver.waitFor(2)).filter((r) => r.body.includes(first));
    const json = JSON.parse(event.body);
    assert.equal(json.EventName, 'TaskFinish');
    assert.deepEqual([json.JobsDetail[0].JobId, json.JobsDetail[0].State], [first, done.State]);
  });

  test('errors as the SDK reads them: wrong secret, an expired signature, bad XML, an unknown library, a denied action', async () => {
    const code = (expected: string, status?: number) => (e: Json) => {
      assert.equal(e.code, expected, JSON.stringify(e.error ?? e.message));
      if (status) assert.equal(e.statusCode, status);
      assert.match(e.RequestId ?? '', /\S/, 'x-ci-request-id');
      return true;
    };
    const request = { Tag: 'DNA', Input: { Object: 'input/copy.mp4' }, Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: dbId } } };
    await assert.rejects(submit(request, cos('wrong-secret')), code('SignatureDoesNotMatch', 403));
    // A client whose clock is 20 minutes behind signs an expired window.
    const late = new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, SystemClockOffset: -20 * 60_000 } as never);
    await assert.rejects(submit(request, late), code('ExpiredToken', 400));
    await assert.rejects(submit({ ...request, Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: 'Db0000' } } }), code('InvalidArgument', 400));
    await assert.rejects(submit({ ...request, Tag: 'Transcode' }), code('InvalidArgument', 400));
    const dtd = await fetch(`${server.url}/tencent/jobs`, {
      method: 'POST',
      body: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><Request><Tag>&x;</Tag></Request>',
      headers: {
        'content-type': 'application/xml',
        authorization: COS.getAuthorization({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Method: 'POST', Key: 'jobs', Headers: { host: new URL(server.url).host } }),
      },
    });
    assert.equal(dtd.status, 400);
    assert.match(await dtd.text(), /<Error><Code>InvalidArgument<\/Code><Message>XML with a DTD/);
    await assert.rejects(submit({ ...request, Input: { Object: 'input/../private/secret.mp4' } }), code('InvalidArgument', 400));
    // A signature valid for ten years is refused: with no nonce, its window is what bounds a leaked one.
    const now = Math.floor(Date.now() / 1000);
    const forever = await fetch(`${server.url}/tencent/jobs?size=1`, {
      headers: {
        authorization: COS.getAuthorization({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, Method: 'GET', Key: 'jobs', KeyTime: `${now - 1};${now + 10 * 365 * 86400}`, Headers: { host: new URL(server.url).host } } as never),
      },
    });
    assert.equal(forever.status, 400);
    const missing = await fetch(`${server.url}/tencent/nothing`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /<Error><Code>NoSuchResource<\/Code>/);
    const k = (await server.api('POST', '/v1/keys', { Account: 'default', Policy: { Statement: [{ Effect: 'Allow', Action: 'vdna:GetJob', Resource: '*' }] } })).body;
    const reader = new COS({ SecretId: k.AccessKeyId, SecretKey: k.AccessKeySecret });
    await assert.rejects(submit(request, reader), code('AccessDenied', 403));
    const nobody = new COS({ SecretId: 'AKIDnobody', SecretKey: SECRET_KEY });
    await assert.rejects(submit(request, nobody), code('InvalidAccessKeyId', 403));
  });
});
