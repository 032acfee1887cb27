/**
 * The clouds' message-queue callbacks on a real redis-server: Tencent's CallBackType TDMQ (its MqName a
 * stream of the account), and Alibaba's MNS case (the queue's Redis callback), each event in its
 * cloud's shape.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import COS from 'cos-nodejs-sdk-v5';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import { media, tempDir } from './helpers.js';
import { startRedis, startServer } from './service-helpers.js';

const AK = 'LTAI5tVdnaMqTest0001';
const SECRET = 'cloud-mq-test-secret-0123';
const BUCKET = 'mq-bucket-1250000000';

/** The first entry of a stream, as a field map. */
async function firstEntry(redis: Redis, stream: string): Promise<Record<string, string>> {
  const entries = await redis.xread('BLOCK', 60_000, 'STREAMS', stream, '0');
  assert.ok(entries, `an entry on ${stream}`);
  const [, [[, fields]]] = entries[0];
  return Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])));
}

test("message-queue callbacks in the clouds' shapes: Tencent TDMQ and Alibaba's MNS case", async () => {
  const dir = tempDir();
  const redisServer = await startRedis();
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir.path, 's3') });
  const { port } = (await s3.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const s3Client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await s3Client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'flower.webm', Body: readFileSync(media('video/mdn_flower.webm')) }));
  const server = await startServer(join(dir.path, 'data'), ['--s3-endpoint', endpoint, '--tencent-bucket', BUCKET, '--redis', redisServer.url], {
    VDNA_S3_ACCESS_KEY_ID: 'S3RVER',
    VDNA_S3_SECRET_ACCESS_KEY: 'S3RVER',
    VDNA_ACCESS_KEYS: `default:${AK}:${SECRET}`,
  });
  const redis = new Redis(redisServer.url);
  try {
    const lib = (await server.api('POST', '/v1/libraries', { Name: 'films' })).body;

    // Tencent: CallBackType TDMQ, MqName "ci-events" -> the account's stream default:ci-events, Tencent's JSON.
    const cos = new COS({ SecretId: AK, SecretKey: SECRET });
    const submitted = await new Promise<Record<string, any>>((resolve, reject) =>
      cos.request(
        {
          Bucket: BUCKET,
          Region: 'ap-chongqing',
          Method: 'POST',
          Key: 'jobs',
          Url: `${server.url}/tencent/jobs`,
          Headers: { 'content-type': 'application/xml' },
          Body: COS.util.json2xml({
            Request: {
              Tag: 'DNA',
              Input: { Object: 'flower.webm' },
              Operation: { DnaConfig: { RuleType: 'GetFingerPrint', DnaDbId: `Db${lib.LibraryId}` } },
              CallBackType: 'TDMQ',
              CallBackMqConfig: { MqRegion: 'bj', MqMode: 'Queue', MqName: 'ci-events' },
            },
          }),
        } as never,
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Record<string, any>)),
      ),
    );
    const ci = await firstEntry(redis, 'default:ci-events');
    const ciEvent = JSON.parse(ci.Event);
    assert.equal(ciEvent.EventName, 'TaskFinish');
    assert.deepEqual([ciEvent.JobsDetail[0].JobId, ciEvent.JobsDetail[0].State], [submitted.Response.JobsDetail.JobId, 'Success']);
    assert.match(ci.Signature, /^t=\d+,sha256=[0-9a-f]{64}$/);

    // Alibaba's MNS case: the queue's Redis callback receives AIMediaDNAComplete as VOD documents it.
    await server.api('PUT', '/v1/queues/default', { Callback: { Type: 'Redis', Stream: 'mns-events' } });
    const ims = new RPCClient({ accessKeyId: AK, accessKeySecret: SECRET, endpoint: server.url, apiVersion: '2020-11-09' });
    const { JobId } = (await ims.request(
      'SubmitDNAJob',
      { DBId: lib.LibraryId, PrimaryKey: 'flower-copy', Input: JSON.stringify({ Type: 'OSS', Media: `oss://${BUCKET}/flower.webm` }), Config: JSON.stringify({ SaveType: 'nosave' }) },
      {},
    )) as { JobId: string };
    const mns = await firstEntry(redis, 'default:mns-events');
    const event = JSON.parse(mns.Event);
    assert.deepEqual([event.EventType, event.JobId, event.Status, event.Code], ['AIMediaDNAComplete', JobId, 'success', '0']);
    assert.equal(typeof event.Data, 'string');
    assert.equal(JSON.parse(event.Data).VideoDNA[0].PrimaryKey, submitted.Response.JobsDetail.Operation.DnaConfig.VideoId);
  } finally {
    redis.disconnect();
    await server.stop();
    await s3.close();
    await redisServer.stop();
    dir.cleanup();
  }
});
