/** The server's settings: command-line flags over VDNA_* environment variables over defaults. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Config } from '../jobs/inputs.js';

export interface ServiceConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Jobs run at once. */
  workers: number;
  /** Base of the URLs the server hands out (result documents); defaults to the listening address. */
  publicUrl?: string;
  maxUploadBytes: number;
  downloadTimeoutMs: number;
  /** Let media URLs and callbacks reach loopback and private networks. */
  allowPrivateUrls: boolean;
  allowedRoots: string[];
  s3?: S3Config;
  redisUrl?: string;
  callbackSecret: string;
  callbackMaxAttempts: number;
  callbackBackoffMs: number;
  callbackTimeoutMs: number;
  logLevel: string;
}

export interface ServeOptions {
  host?: string;
  port?: string;
  workers?: string;
  publicUrl?: string;
  maxUploadMb?: string;
  allowPrivateUrls?: boolean;
  allowPath?: string[];
  s3Endpoint?: string;
  redis?: string;
  callbackSecret?: string;
  logLevel?: string;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not "${value}"`);
  return n;
}

/** The HMAC key for callbacks: given, or made once and kept in the data directory (mode 600). */
function callbackSecret(dataDir: string, given?: string): string {
  if (given) return given;
  const file = join(dataDir, 'callback-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function serviceConfig(dataDir: string, opts: ServeOptions, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const s3Endpoint = opts.s3Endpoint ?? env.VDNA_S3_ENDPOINT;
  const roots = opts.allowPath?.length ? opts.allowPath : (env.VDNA_ALLOW_PATHS?.split(':').filter(Boolean) ?? []);
  return {
    host: opts.host ?? env.VDNA_HOST ?? '127.0.0.1',
    port: int(opts.port ?? env.VDNA_PORT, 8080, 'port'),
    dataDir,
    workers: Math.max(1, int(opts.workers ?? env.VDNA_WORKERS, 1, 'workers')),
    publicUrl: opts.publicUrl ?? env.VDNA_PUBLIC_URL,
    maxUploadBytes: int(opts.maxUploadMb ?? env.VDNA_MAX_UPLOAD_MB, 2048, 'max upload MB') * 1024 * 1024,
    downloadTimeoutMs: int(env.VDNA_DOWNLOAD_TIMEOUT_S, 600, 'download timeout') * 1000,
    allowPrivateUrls: opts.allowPrivateUrls ?? env.VDNA_ALLOW_PRIVATE_URLS === '1',
    allowedRoots: roots,
    ...((s3Endpoint || env.VDNA_S3_REGION) && {
      s3: {
        endpoint: s3Endpoint,
        region: env.VDNA_S3_REGION ?? 'us-east-1',
        accessKeyId: env.VDNA_S3_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.VDNA_S3_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY,
        forcePathStyle: env.VDNA_S3_PATH_STYLE !== '0',
      },
    }),
    redisUrl: opts.redis ?? env.VDNA_REDIS_URL,
    callbackSecret: callbackSecret(dataDir, opts.callbackSecret ?? env.VDNA_CALLBACK_SECRET),
    callbackMaxAttempts: int(env.VDNA_CALLBACK_ATTEMPTS, 8, 'callback attempts'),
    callbackBackoffMs: int(env.VDNA_CALLBACK_BACKOFF_MS, 2000, 'callback backoff'),
    callbackTimeoutMs: int(env.VDNA_CALLBACK_TIMEOUT_S, 10, 'callback timeout') * 1000,
    logLevel: opts.logLevel ?? env.VDNA_LOG_LEVEL ?? 'info',
  };
}
