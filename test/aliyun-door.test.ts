/**
 * The Alibaba Cloud door, proved with the official clients unmodified against a real `vdna serve`: IMS
 * through @alicloud/pop-core (RPC v1, GET and POST) and @alicloud/openapi-core's callApi with the
 * generated IMS/VOD SDKs' parameters (ACS3), inputs in a real S3-compatible server (s3rver), real media,
 * and the AIMediaDNAComplete event at a real receiver.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { openAsBlob, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { percentEncode } from '../src/api/aliyun/signature.js';
import { callRpc, openApiClient } from './aliyun-sdk.js';
import { ffmpeg, media, tempDir } from './helpers.js';
import { startReceiver, startServer, type RunningServer } from './service-helpers.js';

const AK = 'LTAI5tVdnaDoorTest01';
const SECRET = 'aliyun-door-test-secret-0123';
const IMS = '2020-11-09';
const VOD = '2017-03-21';
const SINTEL = media('video/zwm_sintel_10s.mp4');
const CAMINANDES = media('video/zwm_caminandes_10s.mp4');

type Json = Record<string, any>;

describe('Alibaba Cloud door: IMS and VOD through the official SDKs', () => {
  const dir = tempDir();
  let server: RunningServer;
  let s3: S3rver;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let copy: string;

  /** pop-core's client; its answers are plain JSON again (it parses into null-prototype objects). */
  const pop = (version = IMS, prefix = '', secret = SECRET, accessKeyId = AK) => {
    const client = new RPCClient({ accessKeyId, accessKeySecret: secret, endpoint: `${server.url}${prefix}`, apiVersion: version });
    return { request: async (action: string, params: object, opts: object) => JSON.parse(JSON.stringify(await client.request(action, params, opts))) as Json };
  };

  /** openapi-core as the generated SDKs drive it: RPC style, ACS3, every parameter in the query. */
  const acs3 = async (action: string, version: string, query: Record<string, string>, prefix = ''): Promise<Json> => {
    const res = (await callRpc(openApiClient(`${new URL(server.url).host}${prefix}`, AK, SECRET), action, version, query)) as { body: Json };
    return JSON.parse(JSON.stringify(res.body));
  };

  const until = async (check: () => Promise<Json | undefined>, what: string): Promise<Json> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const found = await check();
      if (found) return found;
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(async () => {
    // A pirated excerpt of Sintel: 3-8 s, scaled down, re-encoded.
    copy = join(dir.path, 'copy.mp4');
    ffmpeg(['-i', SINTEL, '-vf', 'fps=25,trim=3:8,setpts=PTS-STARTPTS,scale=320:-2', '-an', '-c:v', 'libx264', '-crf', '30', copy]);
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir.path, 's3') });
    const { port } = (await s3.run()) as { port: number };
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: 'vdna-oss' }));
    await client.send(new PutObjectCommand({ Bucket: 'vdna-oss', Key: 'films/sintel.mp4', Body: readFileSync(SINTEL) }));
    await client.send(new PutObjectCommand({ Bucket: 'vdna-oss', Key: 'uploads/copy one.mp4', Body: readFileSync(copy) }));
    receiver = await startReceiver();
    server = await startServer(join(dir.path, 'data'), ['--s3-endpoint', endpoint, '--allow-private-urls'], {
      VDNA_S3_ACCESS_KEY_ID: 'S3RVER',
      VDNA_S3_SECRET_ACCESS_KEY: 'S3RVER',
      VDNA_ACCESS_KEYS: `default:${AK}:${SECRET}`,
    });
  });
  after(async () => {
    await server?.stop();
    await s3?.close();
    await receiver?.close();
    dir.cleanup();
  });

  test('IMS: CreateDNADB, SubmitDNAJob save from OSS, an edited copy searched (ACS3), QueryDNAJobList, DNAResult, files, cancel, delete', async () => {
    const created = (await pop().request('CreateDNADB', { Name: 'films', Model: 'Video', Description: 'feature films' }, { method: 'POST' })) as Json;
    const dbId = created.DBInfo.DBId;
    assert.deepEqual([created.DBInfo.Name, created.DBInfo.Model, created.DBInfo.Status], ['films', 'Video', 'active']);
    assert.match(created.RequestId, /^[0-9A-F-]{36}$/);

    const save = (await pop().request(
      'SubmitDNAJob',
      { DBId: dbId, PrimaryKey: 'sintel', Input: JSON.stringify({ Type: 'OSS', Media: 'oss://vdna-oss/films/sintel.mp4' }), Config: JSON.stringify({ SaveType: 'save', MediaType: 'video' }), UserData: 'u1' },
      { method: 'GET' },
    )) as Json;
    const saved = await until(async () => {
      const { JobList } = (await pop('2020-11-09', '/aliyun').request('QueryDNAJobList', { JobIds: save.JobId }, { method: 'POST' })) as Json;
      return ['Success', 'Fail'].includes(JobList[0].Status) ? JobList[0] : undefined;
    }, 'the save job');
    assert.equal(saved.Status, 'Success', JSON.stringify(saved));
    assert.deepEqual([saved.Id, saved.DBId, saved.PrimaryKey, saved.UserData], [save.JobId, dbId, 'sintel', 'u1']);
    assert.deepEqual(saved.Input, { Type: 'OSS', Media: 'oss://vdna-oss/films/sintel.mp4' });
    assert.deepEqual(JSON.parse(saved.Config), { SaveType: 'save', MediaType: 'video' });
    assert.match(saved.CreationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // The edited copy, named by its https OSS address, searched with the generated SDK's ACS3 request.
    const search = await acs3('SubmitDNAJob', IMS, {
      DBId: dbId,
      PrimaryKey: 'query-1',
      Input: JSON.stringify({ Type: 'OSS', Media: 'https://vdna-oss.oss-cn-shanghai.aliyuncs.com/uploads/copy%20one.mp4' }),
      Config: JSON.stringify({ SaveType: 'nosave' }),
    }, '/aliyun');
    const searched = await until(async () => {
      const { JobList } = await acs3('QueryDNAJobList', IMS, { JobIds: `${search.JobId},nosuchjob` });
      assert.equal(JobList.length, 1, 'unknown ids are left out');
      return ['Success', 'Fail'].includes(JobList[0].Status) ? JobList[0] : undefined;
    }, 'the search job');
    assert.equal(searched.Status, 'Success', JSON.stringify(searched));
    // DNAResult: a presigned URL serving the VideoMatchInfo array, exactly the documented fields.
    const infos = (await (await fetch(searched.DNAResult)).json()) as Json[];
    assert.equal(infos.length, 1);
    assert.deepEqual(Object.keys(infos[0]).sort(), ['AudioMatchSegments', 'GlobalSimilarity', 'PrimaryKey', 'TextMatchSegments', 'VideoMatchSegments']);
    assert.equal(infos[0].PrimaryKey, 'sintel');
    const [seg] = infos[0].VideoMatchSegments;
    assert.deepEqual(Object.keys(seg).sort(), ['EndTime', 'MasterEndTime', 'MasterStartTime', 'Similarity', 'StartTime']);
    assert.ok(Math.abs(seg.MasterStartTime - 3) <= 1 && Math.abs(seg.MasterEndTime - 8) <= 1, JSON.stringify(seg));
    assert.ok(seg.StartTime <= 1 && seg.EndTime >= 4, JSON.stringify(seg));
    const tampered = new URL(searched.DNAResult);
    tampered.searchParams.set('Expires', String(Number(tampered.searchParams.get('Expires')) + 1));
    assert.equal((await fetch(tampered)).status, 403);

    // A key that may read jobs but not results gets no DNAResult URL.
    const reader = (await server.api('POST', '/v1/keys', { Account: 'default', Policy: { Statement: [{ Effect: 'Allow', Action: ['vdna:GetJob', 'vdna:ListLibraries'], Resource: '*' }] } })).body;
    const readerJob = ((await pop(IMS, '', reader.AccessKeySecret, reader.AccessKeyId).request('QueryDNAJobList', { JobIds: search.JobId }, {})) as Json).JobList[0];
    assert.deepEqual([readerJob.Status, readerJob.DNAResult], ['Success', undefined]);
    // An OSS key that climbs out of itself is refused, whatever the policy allows.
    await assert.rejects(
      pop().request('SubmitDNAJob', { DBId: dbId, PrimaryKey: 'x', Input: JSON.stringify({ Type: 'OSS', Media: 'oss://vdna-oss/uploads/../films/sintel.mp4' }) }, {}),
      (e: Json) => e.code === 'InvalidParameter',
    );

    // ListDNADB, ListDNAFiles (paged), DeleteDNAFiles.
    const dbs = (await pop().request('ListDNADB', { DBIds: `${dbId},0000` }, { method: 'GET' })) as Json;
    assert.deepEqual(dbs.DBList.map((d: Json) => d.DBId), [dbId]);
    await pop().request('SubmitDNAJob', { DBId: dbId, PrimaryKey: 'copy', Input: JSON.stringify({ Type: 'OSS', Media: 'oss://vdna-oss/uploads/copy one.mp4' }), Config: JSON.stringify({ SaveType: 'forcesave' }) }, {});
    await until(async () => {
      const files = (await pop().request('ListDNAFiles', { DBId: dbId }, {})) as Json;
      return files.FileList.length === 2 ? files : undefined;
    }, 'two files');
    const page1 = (await pop().request('ListDNAFiles', { DBId: dbId, PageSize: 1 }, {})) as Json;
    assert.deepEqual(page1.FileList, [{ PrimaryKey: 'copy', InputFile: { Bucket: 'vdna-oss', Location: '', Object: 'uploads/copy one.mp4' } }]);
    const page2 = (await pop().request('ListDNAFiles', { DBId: dbId, PageSize: 1, NextPageToken: page1.NextPageToken }, {})) as Json;
    assert.deepEqual(page2.FileList.map((f: Json) => f.PrimaryKey), ['sintel']);
    await pop().request('DeleteDNAFiles', { DBId: dbId, PrimaryKeys: 'copy' }, { method: 'POST' });
    assert.deepEqual(((await pop().request('ListDNAFiles', { DBId: dbId }, {})) as Json).FileList.map((f: Json) => f.PrimaryKey), ['sintel']);

    // CancelDNAJob: a job held in a paused queue is cancelled; then the library is deleted.
    await server.api('POST', '/v1/queues/default/pause');
    const held = (await pop().request('SubmitDNAJob', { DBId: dbId, PrimaryKey: 'held', Input: JSON.stringify({ Type: 'OSS', Media: 'oss://vdna-oss/films/sintel.mp4' }) }, {})) as Json;
    assert.equal(((await pop().request('CancelDNAJob', { JobId: held.JobId }, {})) as Json).JobId, held.JobId);
    assert.equal(((await pop().request('QueryDNAJobList', { JobIds: held.JobId }, {})) as Json).JobList[0].Status, 'Fail');
    await server.api('POST', '/v1/queues/default/resume');
    await pop().request('DeleteDNADB', { DBId: dbId }, {});
    await assert.rejects(pop().request('ListDNAFiles', { DBId: dbId }, {}), (e: Json) => e.code === 'InvalidParameter.DBNotExist');
  });

  test('VOD: SubmitAIJob on a MediaId with a per-job callback; ListAIJob; the AIMediaDNAComplete event as documented, VOD-signed; GetMediaDNAResult; SubmitMediaDNADeleteJob', async () => {
    const upload = async (file: string) => {
      const form = new FormData();
      form.set('Media', await openAsBlob(file), file.split('/').pop());
      return (await server.api('POST', '/v1/media', form)).body.MediaId as string;
    };
    const original = await upload(SINTEL);
    const pirate = await upload(copy);
    const db = (await pop().request('CreateDNADB', { Name: 'vod-films', Model: 'Video' }, {})) as Json;
    const config = JSON.stringify({ AIMediaDNA: { DNADBId: db.DBInfo.DBId } });
    const callbackUrl = `${receiver.url}/vod-events`;
    const userData = JSON.stringify({ MessageCallback: { CallbackURL: callbackUrl }, Extend: { localId: 'xxx', test: 'www' } });
    const first = (await pop(VOD).request('SubmitAIJob', { MediaId: original, Types: 'AIMediaDNA', Config: config }, {})) as Json;
    assert.deepEqual(Object.keys(first.AIJobList.AIJob[0]).sort(), ['JobId', 'MediaId', 'Type']);
    await until(async () => {
      const { AIJobList } = (await pop(VOD).request('ListAIJob', { JobIds: first.AIJobList.AIJob[0].JobId }, {})) as Json;
      return AIJobList.AIJob[0].Status === 'success' ? AIJobList : undefined;
    }, 'the first AI job');
    const second = await acs3('SubmitAIJob', VOD, { MediaId: pirate, Types: 'AIMediaDNA', Config: config, UserData: userData });
    const jobId = second.AIJobList.AIJob[0].JobId;
    const listed = await until(async () => {
      const res = (await pop(VOD).request('ListAIJob', { JobIds: `${jobId},nosuchjob` }, {})) as Json;
      return res.AIJobList.AIJob[0].Status === 'success' ? res : undefined;
    }, 'the second AI job');
    assert.deepEqual(listed.NonExistAIJobIds, { String: ['nosuchjob'] });
    const aiJob = listed.AIJobList.AIJob[0];
    assert.deepEqual([aiJob.Type, aiJob.MediaId, aiJob.Code, aiJob.Message], ['AIMediaDNA', pirate, '0', 'OK']);
    for (const [k, v] of Object.entries(aiJob)) assert.equal(typeof v, 'string', `AIJob.${k} is a string`);
    assert.equal(JSON.parse(aiJob.Data).VideoDNA[0].PrimaryKey, original);

    // The event, field by field against the documented sample, and its VOD signature.
    const [got] = (await receiver.waitFor(1)).filter((r) => r.body.includes(jobId));
    const event = JSON.parse(got.body);
    assert.deepEqual(Object.keys(event).sort(), ['Code', 'CompleteTime', 'Data', 'EventTime', 'EventType', 'Extend', 'JobId', 'MediaId', 'Message', 'Status']);
    assert.deepEqual([event.EventType, event.JobId, event.MediaId, event.Status, event.Code, event.Message], ['AIMediaDNAComplete', jobId, pirate, 'success', '0', 'OK']);
    for (const [k, v] of Object.entries(event)) assert.equal(typeof v, 'string', `${k} is a string, as documented`);
    assert.match(event.CompleteTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(JSON.parse(event.Extend), { localId: 'xxx', test: 'www' });
    const dna = JSON.parse(event.Data).VideoDNA[0];
    assert.equal(dna.PrimaryKey, original);
    assert.equal(typeof dna.Similarity, 'string');
    const detail = dna.Detail[0];
    assert.ok(Math.abs(Number(detail.Duplication.Start) - 3) <= 1 && Math.abs(Number(detail.Duplication.Duration) - 5) <= 1.5, JSON.stringify(detail));
    const secret = (await server.api('GET', '/v1/accounts/default')).body.CallbackSecret;
    const timestamp = got.headers['x-vod-timestamp'] as string;
    assert.match(timestamp, /^\d{10}$/);
    assert.equal(got.headers['x-vod-signature'], createHash('md5').update(`${callbackUrl}|${timestamp}|${secret}`).digest('hex'));

    // GetMediaDNAResult: all strings; then the media leaves the library.
    const result = (await pop(VOD).request('GetMediaDNAResult', { MediaId: pirate }, {})) as Json;
    assert.equal(result.DNAResult.VideoDNA[0].PrimaryKey, original);
    assert.equal(typeof result.DNAResult.VideoDNA[0].Detail[0].Input.Start, 'string');
    const deletion = (await pop(VOD).request('SubmitMediaDNADeleteJob', { MediaId: original }, {})) as Json;
    assert.match(deletion.JobId, /^[0-9a-f]{32}$/);
    await until(async () => {
      const items = (await server.api('GET', '/v1/libraries/vod-films/items')).body.Items as Json[];
      return items.some((i) => i.PrimaryKey === original) ? undefined : { done: true };
    }, 'the media to leave the library');
  });

  test("errors as the SDKs read them: wrong secret, unknown key, expired timestamp, replayed nonce, denied action, unknown action", async () => {
    const code = (expected: string) => (e: Json) => {
      assert.equal(e.code, expected, JSON.stringify(e.data ?? e.message));
      return true;
    };
    await assert.rejects(pop(IMS, '', 'wrong-secret').request('ListDNADB', {}, {}), code('SignatureDoesNotMatch'));
    await assert.rejects(callRpc(openApiClient(new URL(server.url).host, AK, 'wrong'), 'ListDNADB', IMS, {}), code('SignatureDoesNotMatch'));
    await assert.rejects(pop(IMS, '', SECRET, 'LTAInobody').request('ListDNADB', {}, {}), code('InvalidAccessKeyId.NotFound'));
    await assert.rejects(pop().request('FlyToTheMoon', {}, {}), code('InvalidApi.NotFound'));
    await assert.rejects(pop().request('SubmitDNAJob', { PrimaryKey: 'x' }, {}), code('MissingDBId'));

    // A request signed by hand (RPC v1, as pop-core signs): sent twice, and with a timestamp 20 minutes old.
    const signed = (timestamp: string, nonce: string) => {
      const params: Record<string, string> = {
        Action: 'ListDNADB', Version: IMS, Format: 'JSON', AccessKeyId: AK, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
        SignatureNonce: nonce, Timestamp: timestamp,
      };
      const canonical = Object.keys(params).sort().map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`).join('&');
      const signature = createHmac('sha1', `${SECRET}&`).update(`GET&%2F&${percentEncode(canonical)}`).digest('base64');
      return `${server.url}/?${new URLSearchParams({ ...params, Signature: signature })}`;
    };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const url = signed(now, randomUUID());
    const ok = await fetch(url);
    assert.equal(ok.status, 200, await ok.text());
    const replayed = await fetch(url);
    assert.deepEqual([replayed.status, ((await replayed.json()) as Json).Code], [400, 'SignatureNonceUsed']);
    // RPC v1 signs parameters, not headers: an action named only in x-acs-action is not taken.
    const noAction = new URL(signed(now, randomUUID()));
    const headerOnly = await fetch(noAction, { headers: { 'x-acs-action': 'DeleteDNADB' } });
    assert.equal(headerOnly.status, 200, 'the signed Action (ListDNADB) is the one run');
    assert.ok(Array.isArray(((await headerOnly.json()) as Json).DBList));
    const old = await fetch(signed(new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'), randomUUID()));
    const body = (await old.json()) as Json;
    assert.deepEqual([old.status, body.Code], [400, 'InvalidTimeStamp.Expired']);
    assert.deepEqual(Object.keys(body).sort(), ['Code', 'HostId', 'Message', 'RequestId']);

    // A key whose policy does not allow the action: the cloud's RAM denial.
    const k = (await server.api('POST', '/v1/keys', { Account: 'default', Policy: { Statement: [{ Effect: 'Allow', Action: 'vdna:List*', Resource: '*' }] } })).body;
    const limited = pop(IMS, '', k.AccessKeySecret, k.AccessKeyId);
    assert.ok(Array.isArray(((await limited.request('ListDNADB', {}, {})) as Json).DBList));
    await assert.rejects(limited.request('CreateDNADB', { Name: 'nope', Model: 'Video' }, {}), code('Forbidden.RAM'));
    // A RAM policy as written for the cloud: its ice: actions stand for the vdna actions they need.
    const ramKey = (await server.api('POST', '/v1/keys', { Account: 'default', Policy: { Statement: [{ Effect: 'Allow', Action: ['ice:ListDNADB', 'ice:QueryDNAJobList'], Resource: '*' }] } })).body;
    const ram = pop(IMS, '', ramKey.AccessKeySecret, ramKey.AccessKeyId);
    assert.ok(Array.isArray(((await ram.request('ListDNADB', {}, {})) as Json).DBList));
    await assert.rejects(ram.request('CreateDNADB', { Name: 'nope', Model: 'Video' }, {}), code('Forbidden.RAM'));
  });
});
