/** The server's settings: command-line flags over VDNA_* environment variables over defaults. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InputSettings } from '../jobs/inputs.js';
import { s3Settings, type S3Config } from '../net/s3-client.js';
import { PRIVATE_NETWORKS } from '../net/safe-http.js';

export interface ServiceConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Worker processes, each running one job at a time (0: an API-only server). */
  workers: number;
  /** How long a stopping server lets running jobs finish before they go back to the queue. */
  graceMs: number;
  /** How long a worker's lease on a job lasts without renewal (renewed every second): a worker cut off loses its jobs after it. */
  leaseMs: number;
  /** V8 heap limit of each worker process, in MB. */
  workerMemoryMb: number;
  /** Base of the URLs the server hands out (result documents); defaults to the listening address. */
  publicUrl?: string;
  maxUploadBytes: number;
  downloadTimeoutMs: number;
  /** Private networks (CIDRs) and host names media URLs and callbacks may reach; link-local and metadata never. */
  allowUrls: string[];
  allowedRoots: string[];
  s3?: S3Config;
  redisUrl?: string;
  /** The default account's callback secret, when the operator sets it (else it is made once). */
  callbackSecret?: string;
  callbackMaxAttempts: number;
  callbackBackoffMs: number;
  callbackTimeoutMs: number;
  logLevel: string;
  /** No authentication: loopback only (see api/auth.ts). */
  noAuth: boolean;
  /** VDNA_ADMIN_KEY: a root admin token of the default account, managed by the operator. */
  adminToken?: string;
  /** VDNA_ACCESS_KEYS: ACCOUNT:KEYID:SECRET[,...], each an admin of its account. */
  accessKeys?: string;
  /** Requests per second per key (unless the key has its own); 0: unlimited. */
  rateLimit: number;
  resultUrlTtlSeconds: number;
  /** Host names (or addresses) clients may name in Host and Origin, beyond loopback names and the public URL's host. */
  allowedHosts: string[];
  /** The Tencent door: the bucket its Input.Object keys are read from (in the S3-compatible store) and the region it reports. */
  tencent: { bucket?: string; region: string };
}

export interface ServeOptions {
  host?: string;
  port?: string;
  /** A count, or false for --no-workers. */
  workers?: string | false;
  publicUrl?: string;
  maxUploadMb?: string;
  allowPrivateUrls?: boolean;
  allowUrl?: string[];
  allowPath?: string[];
  s3Endpoint?: string;
  redis?: string;
  callbackSecret?: string;
  logLevel?: string;
  auth?: boolean;
  rateLimit?: string;
  tencentBucket?: string;
  allowedHost?: string[];
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not "${value}"`);
  return n;
}

/** The callback secret: given, or the one the first releases kept in the data directory. */
function callbackSecret(dataDir: string, given?: string): string | undefined {
  if (given) return given;
  const file = join(dataDir, 'callback-secret');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export function serviceConfig(dataDir: string, opts: ServeOptions, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const roots = opts.allowPath?.length ? opts.allowPath : (env.VDNA_ALLOW_PATHS?.split(':').filter(Boolean) ?? []);
  return {
    host: opts.host ?? env.VDNA_HOST ?? '127.0.0.1',
    port: int(opts.port ?? env.VDNA_PORT, 8080, 'port'),
    dataDir,
    workers: opts.workers === false ? 0 : int(opts.workers ?? env.VDNA_WORKERS, 1, 'workers'),
    graceMs: int(env.VDNA_SHUTDOWN_GRACE_S, 30, 'shutdown grace') * 1000,
    leaseMs: int(env.VDNA_LEASE_S, 60, 'lease') * 1000,
    workerMemoryMb: int(env.VDNA_WORKER_MEMORY_MB, 4096, 'worker memory'),
    publicUrl: opts.publicUrl ?? env.VDNA_PUBLIC_URL,
    maxUploadBytes: int(opts.maxUploadMb ?? env.VDNA_MAX_UPLOAD_MB, 2048, 'max upload MB') * 1024 * 1024,
    downloadTimeoutMs: int(env.VDNA_DOWNLOAD_TIMEOUT_S, 600, 'download timeout') * 1000,
    allowUrls: [
      ...((opts.allowPrivateUrls ?? env.VDNA_ALLOW_PRIVATE_URLS === '1') ? PRIVATE_NETWORKS : []),
      ...(opts.allowUrl?.length ? opts.allowUrl : (env.VDNA_ALLOW_URLS?.split(',').map((h) => h.trim()).filter(Boolean) ?? [])),
    ],
    allowedRoots: roots,
    s3: s3Settings(env, opts.s3Endpoint),
    redisUrl: opts.redis ?? env.VDNA_REDIS_URL,
    callbackSecret: callbackSecret(dataDir, opts.callbackSecret ?? env.VDNA_CALLBACK_SECRET),
    callbackMaxAttempts: int(env.VDNA_CALLBACK_ATTEMPTS, 8, 'callback attempts'),
    callbackBackoffMs: int(env.VDNA_CALLBACK_BACKOFF_MS, 2000, 'callback backoff'),
    callbackTimeoutMs: int(env.VDNA_CALLBACK_TIMEOUT_S, 10, 'callback timeout') * 1000,
    logLevel: opts.logLevel ?? env.VDNA_LOG_LEVEL ?? 'info',
    noAuth: opts.auth === false,
    adminToken: env.VDNA_ADMIN_KEY || undefined,
    accessKeys: env.VDNA_ACCESS_KEYS || undefined,
    rateLimit: int(opts.rateLimit ?? env.VDNA_RATE_LIMIT, 50, 'rate limit'),
    resultUrlTtlSeconds: int(env.VDNA_RESULT_URL_TTL_S, 3600, 'result URL lifetime'),
    allowedHosts: opts.allowedHost?.length ? opts.allowedHost : (env.VDNA_ALLOWED_HOSTS?.split(',').map((h) => h.trim()).filter(Boolean) ?? []),
    tencent: { bucket: opts.tencentBucket ?? env.VDNA_TENCENT_BUCKET, region: env.VDNA_TENCENT_REGION ?? 'ap-guangzhou' },
  };
}

/** Where jobs' media come from, as the settings say (the media registry is added by the services). */
export function inputConfig(cfg: ServiceConfig): InputSettings {
  return {
    stagingDir: join(cfg.dataDir, 'staging'),
    maxBytes: cfg.maxUploadBytes,
    downloadTimeoutMs: cfg.downloadTimeoutMs,
    urlPolicy: { allow: cfg.allowUrls },
    allowedRoots: cfg.allowedRoots,
    s3: cfg.s3,
  };
}
