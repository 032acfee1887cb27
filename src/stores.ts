/**
 * Every store an engine provides; the services and the runner see only these contracts. The engine is
 * chosen by one setting: VDNA_DATABASE_URL=postgres://… is PostgreSQL (shared by any number of servers
 * and workers), else the embedded SQLite file of the data directory. The files vdna keeps are blobs
 * beside them: the data directory's folders, or an S3-compatible bucket (VDNA_S3_BUCKET).
 */
import type { AccessStore } from './access/store.js';
import type { JobQueue } from './jobs/queue.js';
import type { Outbox } from './notify/outbox.js';
import type { MediaStore } from './store/media.js';
import type { FaceStore } from './store/faces.js';
import type { PersonStore } from './store/persons.js';
import type { LibraryStore } from './store/store.js';
import type { FrameKeyIndex } from './index/frame-key-index.js';
import type { BlobStore } from './store/blobs.js';
import { FileBlobs } from './store/blobs/files.js';
import { S3Blobs } from './store/blobs/s3.js';
import { s3Settings } from './net/s3-client.js';
import { openPostgresStores } from './store/postgres/index.js';
import { openSqliteStores } from './store/sqlite/index.js';

/** The records a database engine keeps. */
export interface DatabaseStores {
  libraries: LibraryStore;
  jobs: JobQueue;
  outbox: Outbox;
  access: AccessStore;
  media: MediaStore;
  persons: PersonStore;
  faces: FaceStore;
  /** The libraries' multi-index on the database, where the engine keeps one (PostgreSQL). */
  frameKeys?: FrameKeyIndex;
  /**
   * Whether other servers may share these stores (PostgreSQL): a server then takes no data-directory
   * lock, and at its start takes back only jobs whose lease ran out (the others run elsewhere).
   */
  shared: boolean;
  close(): Promise<void>;
}

export interface Stores extends DatabaseStores {
  /** The files: uploaded media, a submitted job's upload until the job ends, faces' thumbnails, jobs' results. */
  blobs: BlobStore;
}

/** The stores of the engine the setting names (`env.VDNA_DATABASE_URL`), else the data directory's SQLite file; and the blobs. */
export async function openStores(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Stores> {
  const blobs = openBlobs(dataDir, env);
  const url = env.VDNA_DATABASE_URL;
  if (!url) return { ...openSqliteStores(dataDir), blobs };
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`VDNA_DATABASE_URL must be a postgres:// URL, not "${url.split(':')[0]}:…"`);
  return { ...(await openPostgresStores(url)), blobs };
}

/**
 * The bucket `env.VDNA_S3_BUCKET` names (keys under VDNA_S3_PREFIX; presigned URLs for
 * VDNA_S3_PUBLIC_ENDPOINT when clients reach the service elsewhere), else the data directory's folders.
 */
export function openBlobs(dataDir: string, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const bucket = env.VDNA_S3_BUCKET;
  if (!bucket) return new FileBlobs(dataDir);
  const prefix = (env.VDNA_S3_PREFIX ?? '').replace(/^\/+/, '');
  return new S3Blobs({
    connection: s3Settings(env)!,
    bucket,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    ...(env.VDNA_S3_PUBLIC_ENDPOINT && { publicEndpoint: env.VDNA_S3_PUBLIC_ENDPOINT }),
  });
}
