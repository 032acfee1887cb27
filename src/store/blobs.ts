/**
 * The files vdna keeps, named by keys: uploaded media ("media/<file>"), a submitted job's uploaded file
 * until the job ends ("staging/<job id>.mp4"), the thumbnail of each face smart tagging found
 * ("faces/<face id>.jpg") and each ended job's result document ("results/<job id>.json", with a door's
 * rendering of it beside it where one is kept: jobs/results.ts). The database keeps the records that
 * name them (a face's descriptor, a job's state). Two engines: the data directory's own folders (the
 * default: a key is a path under it) and an S3-compatible bucket (VDNA_S3_BUCKET), which every server
 * and worker sharing one database can reach, and which hands out presigned URLs of its own.
 */
import type { Readable } from 'node:stream';
import { VdnaError } from '../errors.js';

/** Inclusive, as HTTP Range has it. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob as a file on this machine, for tools that read files (ffmpeg); `release` removes it if it was a copy. */
export interface LocalFile {
  path: string;
  release(): Promise<void>;
}

export interface BlobStore {
  /** Where the blobs are, for messages: a folder, or s3://bucket/prefix. */
  readonly where: string;
  /** Takes the local file at `path` as the blob `key` (moved into place, or uploaded and then removed). */
  putFile(key: string, path: string): Promise<void>;
  /**
   * Stores `body` as the blob `key`, replacing any blob of that key: a reader sees the old bytes or the
   * new ones, never a part (so writing the same key again, a retried job's, is harmless).
   */
  put(key: string, body: Buffer, contentType?: string): Promise<void>;
  /** The blob's size, or undefined when there is none. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** The blob's bytes, or one range of them; a missing blob is FILE_NOT_FOUND. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes a blob; a missing one is no error. */
  delete(key: string): Promise<void>;
  /** Keys under a prefix ("staging/"), for sweeping what no job waits for. */
  list(prefix: string): Promise<string[]>;
  /** The blob as a local file: its own file on local disk, else a download to `temp` (removed again on failure). */
  localFile(key: string, temp: string, signal?: AbortSignal): Promise<LocalFile>;
  /**
   * A URL the blob can be fetched at with GET, by anyone holding it and with no key, until `expiresAt`
   * (the store's own presigned URL, answered with `contentType` when given); undefined when the engine
   * hands out none (the data directory: vdna then serves the bytes behind a presigned URL of its own).
   * Nothing is read: the blob need not exist yet. Authorising the caller is the caller's job.
   */
  presignedGet(key: string, expiresAt: Date, opts?: { contentType?: string }): Promise<string | undefined>;
}

/**
 * Moves what an older vdna kept in the database into the blobs, a batch at a time until none is left:
 * `move` puts one and empties its column (a crash in between puts it again next time; servers sharing
 * a database may move at once: they write the same bytes) and says whether it put anything.
 * Returns how many were put.
 */
export async function moveIntoBlobs<T>(stored: (limit: number) => Promise<T[]>, move: (row: T) => Promise<boolean>, batch = 100): Promise<number> {
  let moved = 0;
  for (;;) {
    const rows = await stored(batch);
    if (rows.length === 0) return moved;
    for (const row of rows) if (await move(row)) moved++;
  }
}

/** A blob's bytes, whole (results and thumbnails: small). */
export async function readBlob(blobs: BlobStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.read(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Object storage could not be reached (down, refusing, timing out): nothing was stored or lost, and
 * the same call works once it is back. A job that meets it goes back to the queue rather than failing.
 */
export class StorageOutage extends VdnaError {
  constructor(where: string, cause: string) {
    super('STORAGE_UNAVAILABLE', `object storage (${where}) is unavailable: ${cause}; nothing was lost: try again once it is back`);
  }
}

/** Keys are made by vdna: relative paths of plain names, never climbing out of their folder. */
export function checkKey(key: string): string {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new VdnaError('INVALID_ARGUMENT', `not a blob key: "${key.slice(0, 200)}"`);
  }
  return key;
}

/** A missing blob, said the same by both engines. */
export const missingBlob = (key: string, where: string) => new VdnaError('FILE_NOT_FOUND', `the stored file ${key} is missing from ${where}`);
