/** Where a job's media comes from, and how it gets onto local disk before it is fingerprinted. */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createWriteStream, realpathSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { VdnaError } from '../errors.js';
import { extensionOf } from '../media/subtitles.js';
import { checkUrl, download, type UrlPolicy } from '../net/safe-http.js';
import type { MediaStore } from '../store/media.js';
import type { JobInput } from './types.js';

export interface S3Config {
  /** e.g. http://127.0.0.1:9000 for MinIO; absent for AWS itself. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style addressing (bucket in the path), which most S3-compatible servers need. */
  forcePathStyle: boolean;
}

export interface InputConfig {
  /** Uploads and downloads wait here until their job ends. */
  stagingDir: string;
  /** Largest upload or download, in bytes. */
  maxBytes: number;
  downloadTimeoutMs: number;
  urlPolicy: UrlPolicy;
  /** Local paths a job may read; none by default. */
  allowedRoots: string[];
  s3?: S3Config;
  /** The media registry, for inputs of type Media: its records, and the folder its uploads are kept in. */
  media?: { store: MediaStore; dir: string };
}

/** The staged file of a job's upload or download: the job id, with the upload's extension (text is told from media by it). */
export const stagedPath = (cfg: InputConfig, jobId: string, input?: JobInput) =>
  join(cfg.stagingDir, `${jobId}${input?.type === 'Upload' ? extensionOf(input.source) : ''}`);

/** The real path of a local file, if it lies under an allowed root (symlinks resolved on both sides). */
export function allowedPath(cfg: InputConfig, path: string): string {
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
export function checkInput(cfg: InputConfig, input: JobInput): JobInput {
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

let s3Client: { config: S3Config; client: S3Client } | undefined;
function s3(cfg: S3Config): S3Client {
  if (s3Client?.config !== cfg) {
    s3Client = {
      config: cfg,
      client: new S3Client({
        endpoint: cfg.endpoint,
        region: cfg.region,
        forcePathStyle: cfg.forcePathStyle,
        ...(cfg.accessKeyId && cfg.secretAccessKey && {
          credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
        }),
      }),
    };
  }
  return s3Client.client;
}

async function downloadS3(cfg: InputConfig, source: string, dest: string, signal: AbortSignal): Promise<void> {
  const { bucket, key } = parseS3Url(source);
  try {
    const out = await s3(cfg.s3!).send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
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

/** The local file to fingerprint for a job's input (downloading it first where needed). */
export async function stageInput(cfg: InputConfig, job: { id: string; account: string }, input: JobInput, signal: AbortSignal): Promise<string> {
  const jobId = job.id;
  switch (input.type) {
    case 'Media': {
      const media = await cfg.media?.store.get(job.account, input.source);
      if (!media) throw new VdnaError('UNKNOWN_MEDIA', `no media with id "${input.source}"`);
      // An uploaded media is read where it is kept; a reference is fetched like the input it names.
      return media.file ? join(cfg.media!.dir, media.file) : stageInput(cfg, job, media.input, signal);
    }
    case 'Upload':
      return stagedPath(cfg, jobId, input);
    case 'Path':
      return allowedPath(cfg, input.source);
    case 'URL':
    case 'S3': {
      await mkdir(cfg.stagingDir, { recursive: true });
      const dest = stagedPath(cfg, jobId);
      if (input.type === 'URL') {
        await download(input.source, dest, { timeoutMs: cfg.downloadTimeoutMs, policy: cfg.urlPolicy, maxBytes: cfg.maxBytes, signal });
      } else {
        await downloadS3(cfg, input.source, dest, signal);
      }
      return dest;
    }
  }
}

/** Removes a job's staged file once the job has ended. */
export async function unstage(cfg: InputConfig, jobId: string, input?: JobInput): Promise<void> {
  await unlink(resolve(stagedPath(cfg, jobId, input))).catch(() => undefined);
}
