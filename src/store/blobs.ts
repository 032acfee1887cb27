/**
 * The files vdna keeps (uploaded media, a submitted job's uploaded file until the job ends), named by
 * keys like "media/<file>" and "staging/<job id>.mp4". Two engines: the data directory's own folders
 * (the default: a key is a path under it) and an S3-compatible bucket (VDNA_S3_BUCKET), which every
 * server and worker sharing one database can reach. Job results and faces are database records, not files.
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
