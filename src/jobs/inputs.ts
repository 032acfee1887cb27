/**
 * Where a job's media comes from, and how it gets onto local disk before it is fingerprinted: uploads
 * are blobs (kept in the data directory or object storage), others are downloaded into the staging
 * folder or read where they are.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createWriteStream, realpathSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { VdnaError } from '../errors.js';
import { extensionOf } from '../media/subtitles.js';
import { checkUrl, download, type UrlPolicy } from '../net/safe-http.js';
import { s3Client, type S3Config } from '../net/s3-client.js';
import type { BlobStore, LocalFile } from '../store/blobs.js';
import { mediaBlobKey, type MediaStore } from '../store/media.js';
import type { JobInput } from './types.js';

export interface InputConfig {
  /** Downloads (and copies of uploads kept in object storage) wait here until their job ends. */
  stagingDir: string;
  /** Largest upload or download, in bytes. */
  maxBytes: number;
  downloadTimeoutMs: number;
  urlPolicy: UrlPolicy;
  /** Local paths a job may read; none by default. */
  allowedRoots: string[];
  s3?: S3Config;
  /** The media registry, for inputs of type Media. */
  media: MediaStore;
  /** Where uploads are kept. */
  blobs: BlobStore;
}

/** What the settings say; the services add the stores. */
export type InputSettings = Omit<InputConfig, 'media' | 'blobs'>;

/** A job's uploaded file as a blob: the job id with the upload's extension (text is told from media by it). */
export const uploadKey = (jobId: string, input: JobInput) => `staging/${jobId}${extensionOf(input.source)}`;

/** The local file of a job's download or upload: the job id, with the extension `name` has. */
export const stagedPath = (cfg: InputSettings, jobId: string, name = '') => join(cfg.stagingDir, `${jobId}${extensionOf(name)}`);

/** A file read where it is: nothing to remove afterwards. */
const inPlace = (path: string): LocalFile => ({ path, release: async () => undefined });

/** The real path of a local file, if it lies under an allowed root (symlinks resolved on both sides). */
export function allowedPath(cfg: InputSettings, path: string): string {
  if (!isAbsolute(path)) throw new VdnaError('PATH_NOT_ALLOWED', `a local path must be absolute: "${path}"`);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new VdnaError('FILE_NOT_FOUND', `no such file: ${path}`);
  }
  for (const root of cfg.allowedRoots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue;
    }
    const rel = relative(realRoot, real);
    if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) return real;
  }
  throw new VdnaError(
    'PATH_NOT_ALLOWED',
    cfg.allowedRoots.length
      ? `${path} is not under an allowed root (${cfg.allowedRoots.join(', ')})`
      : 'local paths are not allowed: start the server with --allow-path DIR',
  );
}

export function parseS3Url(raw: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(raw);
  if (!m) throw new VdnaError('INVALID_ARGUMENT', `not an S3 object URL (s3://bucket/key): "${raw.slice(0, 200)}"`);
  // A key is named as is: no segment may climb out of it (a server or proxy normalising the path would
  // read another object than the one the policy allowed).
  if (m[2].split('/').some((seg) => seg === '' || seg === '.' || seg === '..') || m[2].includes('\\')) {
    throw new VdnaError('INVALID_ARGUMENT', `an S3 key may not hold empty, "." or ".." segments or backslashes: "${m[2].slice(0, 200)}"`);
  }
  return { bucket: m[1], key: m[2] };
}

/** Checks an input when the job is submitted, so that a malformed or forbidden one never queues. */
export function checkInput(cfg: InputSettings, input: JobInput): JobInput {
  switch (input.type) {
    case 'URL':
      checkUrl(input.source, cfg.urlPolicy);
      return input;
    case 'S3':
      if (!cfg.s3) throw new VdnaError('INVALID_ARGUMENT', 'S3 inputs need an S3 endpoint: start the server with --s3-endpoint (or set VDNA_S3_*)');
      parseS3Url(input.source);
      return input;
    case 'Path':
      return { type: 'Path', source: allowedPath(cfg, input.source) };
    case 'Upload':
    case 'Media':
      // A MediaId is looked up by the job service (it knows the account).
      return input;
  }
}

async function downloadS3(cfg: InputConfig, source: string, dest: string, signal: AbortSignal): Promise<void> {
  const { bucket, key } = parseS3Url(source);
  try {
    const out = await s3Client(cfg.s3!).send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: AbortSignal.any([signal, AbortSignal.timeout(cfg.downloadTimeoutMs)]),
    });
    if ((out.ContentLength ?? 0) > cfg.maxBytes) {
      throw new VdnaError('PAYLOAD_TOO_LARGE', `${source} is ${out.ContentLength} bytes; the limit is ${cfg.maxBytes}`);
    }
    await pipeline(out.Body as Readable, createWriteStream(dest));
  } catch (err) {
    await unlink(dest).catch(() => undefined);
    if (err instanceof VdnaError) throw err;
    const e = err as { name?: string; message?: string };
    throw new VdnaError('DOWNLOAD_FAILED', `${source}: ${e.name ?? ''} ${e.message ?? String(err)}`.trim());
  }
}

/** The local file to fingerprint for a job's input (downloading it first where needed); `release` removes a download. */
export async function stageInput(cfg: InputConfig, job: { id: string; account: string }, input: JobInput, signal: AbortSignal): Promise<LocalFile> {
  const jobId = job.id;
  switch (input.type) {
    case 'Media': {
      const media = await cfg.media.get(job.account, input.source);
      if (!media) throw new VdnaError('UNKNOWN_MEDIA', `no media with id "${input.source}"`);
      // An uploaded media is read where it is kept; a reference is fetched like the input it names.
      if (!media.file) return stageInput(cfg, job, media.input, signal);
      return cfg.blobs.localFile(mediaBlobKey(media.file), stagedPath(cfg, jobId, media.file), signal);
    }
    case 'Upload':
      return cfg.blobs.localFile(uploadKey(jobId, input), stagedPath(cfg, jobId, input.source), signal);
    case 'Path':
      return inPlace(allowedPath(cfg, input.source));
    case 'URL':
    case 'S3': {
      await mkdir(cfg.stagingDir, { recursive: true });
      const dest = stagedPath(cfg, jobId);
      if (input.type === 'URL') {
        await download(input.source, dest, { timeoutMs: cfg.downloadTimeoutMs, policy: cfg.urlPolicy, maxBytes: cfg.maxBytes, signal });
      } else {
        await downloadS3(cfg, input.source, dest, signal);
      }
      return { path: dest, release: () => unlink(dest).catch(() => undefined) };
    }
  }
}

/** Removes a job's uploaded file once the job has ended. */
export async function discardUpload(cfg: InputConfig, jobId: string, input?: JobInput): Promise<void> {
  if (input?.type === 'Upload') await cfg.blobs.delete(uploadKey(jobId, input));
}
