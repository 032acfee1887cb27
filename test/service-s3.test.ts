/** S3 inputs against a real S3-compatible server (s3rver over HTTP), through the AWS SDK. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { media, tempDir } from './helpers.js';
import { startServer, waitForJob } from './service-helpers.js';

test('s3:// inputs are fetched from the configured endpoint with its credentials', async () => {
  const dir = tempDir();
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir.path, 's3') });
  const { port } = (await s3.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: 'uploads' }));
  await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'films/sintel.mp4', Body: readFileSync(media('video/zwm_sintel_10s.mp4')) }));
  const server = await startServer(join(dir.path, 'data'), ['--s3-endpoint', endpoint], {
    VDNA_S3_ACCESS_KEY_ID: credentials.accessKeyId,
    VDNA_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  try {
    await server.api('POST', '/v1/libraries', { Name: 'films' });
    let r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'save', PrimaryKey: 'sintel', Input: { Type: 'S3', Source: 's3://uploads/films/sintel.mp4' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const job = await waitForJob(server, r.body.JobId);
    assert.equal(job.State, 'Success', JSON.stringify(job));
    r = await server.api('GET', '/v1/libraries/films/items');
    assert.deepEqual(r.body.Items.map((i: any) => [i.PrimaryKey, i.Source]), [['sintel', 's3:s3://uploads/films/sintel.mp4']]);
    assert.ok(Math.abs(r.body.Items[0].Duration - 10) < 0.5);

    r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'S3', Source: 's3://uploads/films/missing.mp4' } });
    const missing = await waitForJob(server, r.body.JobId);
    assert.deepEqual([missing.State, missing.Code], ['Failed', 'DOWNLOAD_FAILED']);
    assert.match(missing.Message, /NoSuchKey/);
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'S3', Source: 's3://x/../etc' } });
    assert.equal(r.status, 400);
  } finally {
    await server.stop();
    await s3.close();
    dir.cleanup();
  }
});
