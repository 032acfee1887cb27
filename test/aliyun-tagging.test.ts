/**
 * Smart tagging through the Alibaba door with the official clients, against a real `vdna serve` and a
 * real clip: VOD SubmitAIJob with AIMediaDNA and AIVideoTag together (two jobs), ListAIJob, the
 * AIVideoTagComplete event as documented, GetAIVideoTagResult; IMS SubmitSmarttagJob and
 * QuerySmarttagJob with the raw ASR and OCR data, and IMS's smarttag message at the NotifyUrl.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { callRpc, openApiClient } from './aliyun-sdk.js';
import { media, tempDir, until } from './helpers.js';
import { startReceiver, startServer, type RunningServer } from './service-helpers.js';

const AK = 'LTAI5tVdnaTagTest0001';
const SECRET = 'aliyun-tagging-test-secret-0123';
const IMS = '2020-11-09';
const VOD = '2017-03-21';
const CLIP = media('video/forensics_movie-hello.mp4'); // "Hello world..." on a terminal, a webcam face, speech

type Json = Record<string, any>;

describe('Alibaba Cloud door: smart tagging through the official SDKs', () => {
  const dir = tempDir();
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let mediaId: string;

  const pop = (version: string) => {
    const client = new RPCClient({ accessKeyId: AK, accessKeySecret: SECRET, endpoint: server.url, apiVersion: version });
    return async (action: string, params: object) => JSON.parse(JSON.stringify(await client.request(action, params, {}))) as Json;
  };
  const acs3 = async (action: string, version: string, query: Record<string, string>): Promise<Json> => {
    const res = (await callRpc(openApiClient(new URL(server.url).host, AK, SECRET), action, version, query)) as { body: Json };
    return JSON.parse(JSON.stringify(res.body));
  };
  before(async () => {
    receiver = await startReceiver();
    server = await startServer(join(dir.path, 'data'), ['--allow-private-urls'], { VDNA_ACCESS_KEYS: `default:${AK}:${SECRET}` });
    const form = new FormData();
    form.set('Media', await openAsBlob(CLIP), 'movie-hello.mp4');
    mediaId = (await server.api('POST', '/v1/media', form)).body.MediaId;
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
    dir.cleanup();
  });

  test('VOD: AIMediaDNA and AIVideoTag in one SubmitAIJob; ListAIJob; AIVideoTagComplete as documented; GetAIVideoTagResult', async () => {
    const callbackUrl = `${receiver.url}/vod`;
    const userData = JSON.stringify({ MessageCallback: { CallbackURL: callbackUrl }, Extend: { localId: 'l-1' } });
    const config = JSON.stringify({ AIVideoTag: { AnalyseTypes: 'OCR,ASR' } });
    const submitted = await acs3('SubmitAIJob', VOD, { MediaId: mediaId, Types: 'AIMediaDNA,AIVideoTag', Config: config, UserData: userData });
    const [dna, tag] = submitted.AIJobList.AIJob as Json[];
    assert.deepEqual([dna.Type, tag.Type, tag.MediaId], ['AIMediaDNA', 'AIVideoTag', mediaId]);
    assert.notEqual(dna.JobId, tag.JobId);

    const listed = await until('both AI jobs', async () => {
      const res = await pop(VOD)('ListAIJob', { JobIds: `${dna.JobId},${tag.JobId}` });
      return res.AIJobList.AIJob.every((j: Json) => j.Status === 'success' || j.Status === 'fail') ? res : undefined;
    }, 180_000);
    const tagJob = listed.AIJobList.AIJob.find((j: Json) => j.JobId === tag.JobId);
    assert.deepEqual([tagJob.Type, tagJob.Status, tagJob.Code, tagJob.Message], ['AIVideoTag', 'success', '0', 'OK']);
    for (const [k, v] of Object.entries(tagJob)) assert.equal(typeof v, 'string', `AIJob.${k} is a string`);
    const data = JSON.parse(tagJob.Data);
    assert.ok(data.Keyword.some((k: Json) => k.Tag.toLowerCase() === 'hello'), JSON.stringify(data.Keyword));
    assert.ok(data.OrigASRData.AsrTextList.length >= 1);
    assert.deepEqual(Object.keys(data.OrigASRData.AsrTextList[0]).sort(), ['ChannelId', 'EndTime', 'SpeechRate', 'StartTime', 'Text']);
    assert.equal(data.Person.length, 0, 'faces were not asked for');

    // The event, against the documented callback example: every field a string, Data a JSON string.
    const events = await until('the AIVideoTagComplete event', async () => {
      const got = receiver.received.filter((r) => r.body.includes('AIVideoTagComplete'));
      return got.length ? got : undefined;
    }, 180_000);
    const event = JSON.parse(events[0].body);
    assert.deepEqual(Object.keys(event).sort(), ['Code', 'Data', 'EventTime', 'EventType', 'Extend', 'JobId', 'MediaId', 'Message', 'Status']);
    assert.deepEqual([event.EventType, event.JobId, event.MediaId, event.Status, event.Code, event.Message], ['AIVideoTagComplete', tag.JobId, mediaId, 'success', '0', 'OK']);
    for (const [k, v] of Object.entries(event)) assert.equal(typeof v, 'string', `${k} is a string, as documented`);
    assert.match(event.EventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const eventData = JSON.parse(event.Data);
    for (const list of ['Keyword', 'Person', 'Location']) assert.ok(Array.isArray(eventData[list]), list);
    assert.ok(eventData.Keyword.every((k: Json) => typeof k.Tag === 'string' && k.Times.every((t: unknown) => typeof t === 'string' && /^\d+$/.test(t as string))));
    const secret = (await server.api('GET', '/v1/accounts/default')).body.CallbackSecret;
    const timestamp = events[0].headers['x-vod-timestamp'] as string;
    assert.equal(events[0].headers['x-vod-signature'], createHash('md5').update(`${callbackUrl}|${timestamp}|${secret}`).digest('hex'));

    const result = await pop(VOD)('GetAIVideoTagResult', { MediaId: mediaId });
    assert.deepEqual(Object.keys(result.VideoTagResult).filter((k) => ['Category', 'Keyword', 'Location', 'Person', 'Time'].includes(k)).sort(), ['Category', 'Keyword', 'Location', 'Person', 'Time']);
    assert.deepEqual(result.VideoTagResult.Keyword, eventData.Keyword);

    await assert.rejects(pop(VOD)('SubmitAIJob', { MediaId: mediaId, Types: 'AIVideoTag', Config: JSON.stringify({ AIVideoTag: { AnalyseTypes: 'Telepathy' } }) }), (err: Json) => {
      assert.equal(err.code, 'InvalidParameter');
      return true;
    });
    await assert.rejects(pop(VOD)('GetAIVideoTagResult', { MediaId: 'no-such-media' }), (err: Json) => err.code === 'InvalidParameter.ResourceNotFound');
  });

  test('IMS: SubmitSmarttagJob with needAsrData/needOcrData; QuerySmarttagJob; the smarttag message at the NotifyUrl', async () => {
    const notify = `${receiver.url}/ims`;
    const submitted = await acs3('SubmitSmarttagJob', IMS, {
      Input: JSON.stringify({ Type: 'Media', Media: mediaId }),
      Params: JSON.stringify({ needAsrData: true, needOcrData: true }),
      NotifyUrl: notify,
      UserData: '{"userId":"42"}',
    });
    assert.match(submitted.JobId, /^[0-9a-f]{32}$/);
    const done = await until('the smart tagging job', async () => {
      const res = await pop(IMS)('QuerySmarttagJob', { JobId: submitted.JobId });
      return res.JobStatus === 'Success' || res.JobStatus === 'Fail' ? res : undefined;
    }, 180_000);
    assert.deepEqual([done.JobStatus, done.UserData], ['Success', '{"userId":"42"}']);
    const results = done.Results.Result as Json[];
    assert.deepEqual(results.map((r) => r.Type), ['VideoLabel', 'TextLabel', 'ASR', 'OCR']);
    for (const r of results) assert.equal(typeof r.Data, 'string');
    const video = JSON.parse(results[0].Data);
    assert.ok(video.persons.length >= 1, 'the webcam face');
    const person = video.persons[0];
    assert.equal(person.category, 'unknown');
    assert.ok(person.ratio > 0 && person.ratio <= 1);
    assert.ok(person.occurrences.every((o: Json) => typeof o.from === 'number' && o.to >= o.from));
    assert.ok(JSON.parse(results[3].Data).some((o: Json) => /hello world/i.test(o.content)), results[3].Data);

    const messages = await until('the smarttag message', async () => {
      const got = receiver.received.filter((r) => r.body.includes(submitted.JobId));
      return got.length ? got : undefined;
    }, 180_000);
    assert.deepEqual(JSON.parse(messages[0].body), { Type: 'smarttag', JobId: submitted.JobId, State: 'Success', UserData: '{"userId":"42"}' });

    await assert.rejects(pop(IMS)('SubmitSmarttagJob', { Input: JSON.stringify({ Type: 'Carrier-pigeon', Media: 'x' }) }), (err: Json) => err.code === 'InvalidParameter');
  });
});
