/**
 * The connection to an S3-compatible service (AWS, MinIO, Ceph, a cloud's S3 door), one for the whole
 * process: s3:// job inputs are read through it, and object storage (VDNA_S3_BUCKET) keeps vdna's own
 * files in it. Settings: VDNA_S3_ENDPOINT, VDNA_S3_REGION, VDNA_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY
 * (else AWS_*), VDNA_S3_PATH_STYLE (1 by default: the bucket in the path, as most servers need).
 */
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Config {
  /** e.g. http://127.0.0.1:9000 for MinIO; absent for AWS itself. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style addressing (bucket in the path), which most S3-compatible servers need. */
  forcePathStyle: boolean;
}

/** The connection the settings name, or undefined when they name none (no endpoint, region or bucket). */
export function s3Settings(env: NodeJS.ProcessEnv, endpoint = env.VDNA_S3_ENDPOINT): S3Config | undefined {
  if (!endpoint && !env.VDNA_S3_REGION && !env.VDNA_S3_BUCKET) return undefined;
  return {
    endpoint: endpoint || undefined,
    region: env.VDNA_S3_REGION ?? 'us-east-1',
    accessKeyId: env.VDNA_S3_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.VDNA_S3_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY,
    forcePathStyle: env.VDNA_S3_PATH_STYLE !== '0',
  };
}

const clients = new Map<string, S3Client>();

/** One client per connection (its sockets are pooled). */
export function s3Client(cfg: S3Config): S3Client {
  const id = JSON.stringify([cfg.endpoint, cfg.region, cfg.accessKeyId, cfg.secretAccessKey, cfg.forcePathStyle]);
  let client = clients.get(id);
  if (!client) {
    client = new S3Client({
      endpoint: cfg.endpoint,
      region: cfg.region,
      forcePathStyle: cfg.forcePathStyle,
      // An unreachable service is said within seconds (the SDK retries), not after minutes.
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5000 },
      // Checksums only where an operation needs one: S3-compatible servers that predate the SDK's
      // default (aws-chunked uploads with CRC trailers) would store the chunk framing as the object.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(cfg.accessKeyId && cfg.secretAccessKey && {
        credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
      }),
    });
    clients.set(id, client);
  }
  return client;
}
