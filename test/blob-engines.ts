/**
 * The blob engines the blob contract suite runs on (as test/engines.ts does for the databases): the data
 * directory's folders, and a bucket of a real S3-compatible server (s3rver over HTTP), started once per
 * test file, a fresh bucket per test.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import S3rver from 's3rver';
import type { BlobStore } from '../src/store/blobs.js';
import { FileBlobs } from '../src/store/blobs/files.js';
import { S3Blobs } from '../src/store/blobs/s3.js';
import { tempDir } from './helpers.js';

/** s3rver's fixed credentials. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3 {
  endpoint: string;
  /** A new, empty bucket. */
  bucket(): Promise<string>;
  /** The VDNA_S3_* settings of a bucket on this server. */
  env(bucket: string, prefix?: string): Record<string, string>;
  /** Stops the server (an outage); start() brings it back on the same port, with the same objects. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** An S3-compatible server on loopback, its objects in a temporary directory. */
export async function startS3(): Promise<TestS3> {
  const dir = tempDir('vdna-s3-');
  let port = 0;
  let server: S3rver | undefined;
  const start = async () => {
    server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: join(dir.path, 'objects') });
    port = ((await server.run()) as { port: number }).port;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
  let n = 0;
  const stop = async () => {
    await server?.close();
    server = undefined;
  };
  return {
    endpoint,
    async bucket() {
      const name = `vdna-test-${++n}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    env: (bucket, prefix = '') => ({
      VDNA_S3_ENDPOINT: endpoint,
      VDNA_S3_BUCKET: bucket,
      VDNA_S3_PREFIX: prefix,
      VDNA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      VDNA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    }),
    stop,
    start,
    async close() {
      await stop();
      client.destroy();
      dir.cleanup();
    },
  };
}

export interface BlobEngine {
  name: 'data directory' | 'S3';
  /** A new, empty store. */
  open(): Promise<BlobStore>;
  /** The S3 server behind it (to stop it), if any. */
  s3?: () => Promise<TestS3>;
}

let s3: Promise<TestS3> | undefined;
const sharedS3 = () => (s3 ??= startS3());

const files: BlobEngine = {
  name: 'data directory',
  async open() {
    const dir = tempDir();
    after(dir.cleanup);
    return new FileBlobs(dir.path);
  },
};

const bucket: BlobEngine = {
  name: 'S3',
  async open() {
    const server = await sharedS3();
    const connection = { endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, ...S3_CREDENTIALS };
    return new S3Blobs({ connection, bucket: await server.bucket(), prefix: 'vdna/' });
  },
  s3: sharedS3,
};

/** Declares `suite` once per blob engine, each in a describe named after it. */
export function forEachBlobEngine(title: string, suite: (engine: BlobEngine) => void): void {
  for (const engine of [files, bucket]) describe(`${title} (${engine.name})`, () => suite(engine));
  after(async () => (await s3)?.close());
}
