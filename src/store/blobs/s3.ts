/**
 * Blobs as objects of an S3-compatible bucket (VDNA_S3_BUCKET, under VDNA_S3_PREFIX): key
 * "media/x.mp4" is s3://bucket/<prefix>media/x.mp4. What any number of servers and workers on other
 * machines share; a tool that needs a file gets a download, removed when it is done. Presigned GET
 * URLs are the service's own (SigV4 query authentication), signed for the address clients reach it at
 * (VDNA_S3_PUBLIC_ENDPOINT, else the endpoint vdna uses).
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VdnaError } from '../../errors.js';
import { s3Client, type S3Config } from '../../net/s3-client.js';
import { checkKey, missingBlob, StorageOutage, type BlobStore, type ByteRange, type LocalFile } from '../blobs.js';

export interface S3BlobSettings {
  connection: S3Config;
  bucket: string;
  /** Prepended to every key ("vdna/"): one bucket may hold several installations, or other things. */
  prefix: string;
  /**
   * Where clients reach the service, when not where vdna does (http://minio:9000 inside a private
   * network, https://files.example.com outside): presigned URLs are signed for this address.
   */
  publicEndpoint?: string;
}

/** The longest a SigV4 presigned URL may live (S3 refuses X-Amz-Expires over a week). */
export const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;

export class S3Blobs implements BlobStore {
  readonly where: string;

  constructor(private readonly settings: S3BlobSettings) {
    this.where = `s3://${settings.bucket}/${settings.prefix}`;
  }

  private object(key: string) {
    return { Bucket: this.settings.bucket, Key: `${this.settings.prefix}${checkKey(key)}` };
  }

  /** One call to the service; its failures become vdna's (a missing object, an outage). */
  private async call<T>(key: string, send: (client: S3Client) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await send(s3Client(this.settings.connection));
    } catch (err) {
      throw this.failure(err, key, signal);
    }
  }

  private failure(err: unknown, key: string, signal?: AbortSignal): unknown {
    if (signal?.aborted || err instanceof VdnaError) return err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return missingBlob(key, this.where);
    return new StorageOutage(this.where, `${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }

  async putFile(key: string, path: string): Promise<void> {
    const { size } = await stat(path);
    await this.call(key, (c) => c.send(new PutObjectCommand({ ...this.object(key), Body: createReadStream(path), ContentLength: size })));
    await unlink(path);
  }

  /** One PUT: S3 stores an object whole or not at all, and a second PUT of the key replaces it. */
  async put(key: string, body: Buffer, contentType?: string): Promise<void> {
    const put = new PutObjectCommand({ ...this.object(key), Body: body, ContentLength: body.length, ...(contentType && { ContentType: contentType }) });
    await this.call(key, (c) => c.send(put));
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const head = await this.call(key, (c) => c.send(new HeadObjectCommand(this.object(key))));
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      if ((err as { code?: string }).code === 'FILE_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange, signal?: AbortSignal): Promise<Readable> {
    const get = new GetObjectCommand({ ...this.object(key), ...(range && { Range: `bytes=${range.start}-${range.end}` }) });
    const out = await this.call(key, (c) => c.send(get, { abortSignal: signal }), signal);
    return out.Body as Readable;
  }

  async delete(key: string): Promise<void> {
    await this.call(key, (c) => c.send(new DeleteObjectCommand(this.object(key))));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const list = new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: `${this.settings.prefix}${prefix}`, ContinuationToken: token });
      const page = await this.call(prefix, (c) => c.send(list));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.settings.prefix.length));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  async localFile(key: string, temp: string, signal?: AbortSignal): Promise<LocalFile> {
    const release = () => unlink(temp).catch(() => undefined);
    try {
      await mkdir(dirname(temp), { recursive: true });
      const body = await this.read(key, undefined, signal);
      await pipeline(body, createWriteStream(temp), { signal });
    } catch (err) {
      await release();
      // Cut off halfway (the service went down mid-download) is an outage too.
      throw err instanceof Error && 'code' in err && typeof err.code === 'string' && /^(ECONNRESET|EPIPE|ETIMEDOUT|ERR_STREAM_PREMATURE_CLOSE)$/.test(err.code) && !signal?.aborted
        ? this.failure(err, key)
        : err;
    }
    return { path: temp, release };
  }

  /**
   * Signed here, with no request to the service (the object need not exist yet). Its lifetime is the
   * time left until `expiresAt`, at most a week (S3's limit); the response's Content-Type is
   * `contentType` when given (response-content-type, part of what is signed).
   */
  async presignedGet(key: string, expiresAt: Date, opts: { contentType?: string } = {}): Promise<string> {
    const { connection, publicEndpoint } = this.settings;
    const client = s3Client(publicEndpoint ? { ...connection, endpoint: publicEndpoint } : connection);
    const get = new GetObjectCommand({ ...this.object(key), ...(opts.contentType && { ResponseContentType: opts.contentType }) });
    const expiresIn = Math.min(MAX_PRESIGNED_SECONDS, Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 1000)));
    try {
      return await getSignedUrl(client, get, { expiresIn });
    } catch (err) {
      // No credentials to sign with (none configured, a provider unreachable): the service is out of reach.
      throw this.failure(err, key);
    }
  }
}
