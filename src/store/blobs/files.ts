/**
 * Blobs as files of the data directory (the default engine): key "media/x.mp4" is DATA/media/x.mp4,
 * the layout vdna always had, so existing data directories keep working.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkKey, missingBlob, type BlobStore, type ByteRange, type LocalFile } from '../blobs.js';

const missing = (err: unknown) => (err as { code?: string }).code === 'ENOENT';

/** A local file's bytes (or a range of them): for blobs, and for media kept at a server path. */
export async function readFile(path: string, range?: ByteRange): Promise<Readable> {
  const stream = createReadStream(path, range && { start: range.start, end: range.end });
  // Opened before it is handed on, so a missing file is an error here rather than on the wire.
  await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
  return stream;
}

export class FileBlobs implements BlobStore {
  constructor(private readonly root: string) {}

  get where(): string {
    return this.root;
  }

  private path(key: string): string {
    return join(this.root, checkKey(key));
  }

  async putFile(key: string, path: string): Promise<void> {
    const dest = this.path(key);
    await mkdir(dirname(dest), { recursive: true });
    try {
      await rename(path, dest);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EXDEV') throw err;
      await copyFile(path, dest);
      await unlink(path);
    }
  }

  /**
   * Written beside its place and renamed into it, each step on disk (fsync) before the next: the
   * database commit that follows (a job's end) never names a blob a power cut could take back.
   */
  async put(key: string, body: Buffer): Promise<void> {
    const dest = this.path(key);
    const folder = dirname(dest);
    await mkdir(folder, { recursive: true });
    const temp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await open(temp, 'w');
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, dest);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    const dir = await open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      return { size: (await stat(this.path(key))).size };
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      return await readFile(this.path(key), range);
    } catch (err) {
      if (missing(err)) throw missingBlob(key, this.where);
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.path(key)).catch((err) => {
      if (!missing(err)) throw err;
    });
  }

  async list(prefix: string): Promise<string[]> {
    const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix);
    let names: string[];
    try {
      names = await readdir(join(this.root, folder));
    } catch (err) {
      if (missing(err)) return [];
      throw err;
    }
    return names.map((name) => `${folder}/${name}`).filter((key) => key.startsWith(prefix));
  }

  async localFile(key: string): Promise<LocalFile> {
    const path = this.path(key);
    if (!(await this.stat(key))) throw missingBlob(key, this.where);
    return { path, release: async () => undefined };
  }

  /** None: files of the data directory are served by vdna, behind its own presigned URLs. */
  async presignedGet(key: string): Promise<string | undefined> {
    checkKey(key);
    return undefined;
  }
}
