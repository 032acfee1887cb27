/**
 * The media registry: a client uploads a file or names a URL, S3 object or server path once, gets a
 * MediaId, and names it in jobs (VOD's MediaId, IMS's input of Type Media). Uploaded files are kept as
 * blobs ("media/<id><ext>": the data directory's media folder, or object storage) until the media is deleted.
 */
import { randomBytes } from 'node:crypto';
import { rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Caller } from '../access/caller.js';
import { VdnaError } from '../errors.js';
import { allowedPath, checkInput, type InputConfig } from '../jobs/inputs.js';
import { contentTypeOf } from '../media/content-type.js';
import { extensionOf, isTextFile } from '../media/subtitles.js';
import { probe } from '../media/probe.js';
import type { ByteRange, LocalFile } from '../store/blobs.js';
import { readFile } from '../store/blobs/files.js';
import { mediaBlobKey, type MediaRecord, type MediaStore } from '../store/media.js';
import type { Guard } from './guard.js';
import { checkInputAccess } from './input-access.js';
import { pageLimit } from './paging.js';

export const MAX_MEDIA_PER_PAGE = 100;

/** A media's bytes, for the content routes: a blob, or a file under --allow-path. */
export interface MediaContent {
  /** Its file name, whose extension says its type. */
  name: string;
  size: number;
  read(range?: ByteRange): Promise<Readable>;
  /** A local file of it for ffmpeg (a download, from object storage), removed by `release`. */
  localFile(): Promise<LocalFile>;
}

const resource = (id: string) => `media/${id}`;

export class MediaService {
  constructor(
    private readonly store: MediaStore,
    private readonly guard: Guard,
    private readonly inputs: InputConfig,
  ) {}

  /** Where an upload is written while it arrives (a local file), before register() takes it. */
  private partPath(id: string): string {
    return join(this.inputs.stagingDir, `${id}.part`);
  }

  /** A new MediaId, and where the door streams its upload before register() takes it. */
  newUpload(): { id: string; path: string } {
    const id = randomBytes(16).toString('hex');
    return { id, path: this.partPath(id) };
  }

  async discardUpload(id: string): Promise<void> {
    await unlink(this.partPath(id)).catch(() => undefined);
  }

  /** Checked before an upload is written. */
  async preflight(caller: Caller, id: string): Promise<void> {
    await this.guard.check(caller, 'vdna:RegisterMedia', resource(id));
  }

  /** Registers an uploaded file (refused unless it is media or text) or a reference to one. */
  async register(caller: Caller, req: { title?: unknown; input?: { type?: unknown; source?: unknown }; upload?: { id: string; name: string } }): Promise<MediaRecord> {
    const id = req.upload?.id ?? randomBytes(16).toString('hex');
    const part = req.upload && this.partPath(id);
    let local: string | undefined;
    /** The blob stored before the record: removed if the record is not. */
    let stored: string | undefined;
    try {
      return await this.guard.run(caller, 'vdna:RegisterMedia', resource(id), async () => {
        const title = req.title === undefined || req.title === null ? '' : req.title;
        if (typeof title !== 'string' || title.length > 256) throw new VdnaError('INVALID_ARGUMENT', 'Title must be a string of at most 256 characters');
        let record: MediaRecord;
        if (req.upload) {
          if (req.input !== undefined) throw new VdnaError('INVALID_ARGUMENT', 'give either an uploaded file or Input, not both');
          const file = `${id}${extensionOf(req.upload.name)}`;
          // Checked here under its own extension (which tells text from media), then kept as a blob.
          local = join(this.inputs.stagingDir, file);
          await rename(part!, local);
          await checkPlayable(local, req.upload.name);
          const { size } = await stat(local);
          await this.inputs.blobs.putFile(mediaBlobKey(file), local);
          stored = mediaBlobKey(file);
          record = { id, account: caller.account, title, input: { type: 'Upload', source: req.upload.name }, file, size, createdAt: new Date().toISOString() };
        } else {
          const { type, source } = req.input ?? {};
          if (typeof source !== 'string' || !['URL', 'S3', 'Path'].includes(type as string)) {
            throw new VdnaError('INVALID_ARGUMENT', 'give a file, or Input {"Type":"URL"|"S3"|"Path","Source":"..."}');
          }
          const input = checkInput(this.inputs, { type: type as 'URL' | 'S3' | 'Path', source }) as MediaRecord['input'];
          await checkInputAccess(this.guard, caller, input);
          record = { id, account: caller.account, title, input, createdAt: new Date().toISOString() };
        }
        await this.store.add(record);
        stored = undefined;
        return record;
      });
    } finally {
      for (const path of [part, local]) if (path) await unlink(path).catch(() => undefined);
      if (stored) await this.inputs.blobs.delete(stored).catch(() => undefined);
    }
  }

  async get(caller: Caller, id: string): Promise<MediaRecord> {
    await this.guard.check(caller, 'vdna:GetMedia', resource(id));
    return this.require(caller.account, id);
  }

  /** The account's media of that id (no policy check: for services that checked already). */
  async require(account: string, id: string): Promise<MediaRecord> {
    const media = await this.store.get(account, id);
    if (!media) throw new VdnaError('UNKNOWN_MEDIA', `no media with id "${id}"`);
    return media;
  }

  /** The content of a media the caller may read (vdna:GetMedia): its upload, or its server path. */
  async content(caller: Caller, id: string): Promise<MediaContent> {
    return this.contentOf(await this.get(caller, id));
  }

  /**
   * The URL object storage serves a media's upload at (the caller may read the media: vdna:GetMedia),
   * until `expiresAt`, with the Content-Type vdna would send; undefined when there is none — the data
   * directory's blobs, or a media that is a server path (the door hands out its own presigned URL).
   * A missing upload is FILE_NOT_FOUND, as for its content.
   */
  async contentUrl(caller: Caller, id: string, expiresAt: Date): Promise<string | undefined> {
    const media = await this.get(caller, id);
    await this.contentOf(media);
    if (!media.file) return undefined;
    return this.inputs.blobs.presignedGet(mediaBlobKey(media.file), expiresAt, { contentType: contentTypeOf(media.file) });
  }

  /** The content of a media reached through a presigned URL (checked by the door's access). */
  async contentById(id: string): Promise<MediaContent> {
    const media = await this.store.byId(id);
    if (!media) throw new VdnaError('UNKNOWN_MEDIA', `no media with id "${id}"`);
    return this.contentOf(media);
  }

  private async contentOf(media: MediaRecord): Promise<MediaContent> {
    if (media.file) {
      const { blobs } = this.inputs;
      const key = mediaBlobKey(media.file);
      const found = await blobs.stat(key);
      if (!found) throw new VdnaError('FILE_NOT_FOUND', `the file of media "${media.id}" is missing from ${blobs.where}`);
      const temp = join(this.inputs.stagingDir, `${randomBytes(16).toString('hex')}${extensionOf(media.file)}`);
      return { name: media.file, size: found.size, read: (range) => blobs.read(key, range), localFile: () => blobs.localFile(key, temp) };
    }
    // A server path is read again under today's --allow-path roots; a URL or S3 object is not kept here.
    if (media.input.type === 'Path') {
      const path = allowedPath(this.inputs, media.input.source);
      const { size } = await stat(path);
      return { name: path, size, read: (range) => readFile(path, range), localFile: async () => ({ path, release: async () => undefined }) };
    }
    throw new VdnaError('FILE_NOT_FOUND', `media "${media.id}" is a reference to ${media.input.type === 'URL' ? 'a URL' : 'an S3 object'}: its content is not kept on this server`);
  }

  /** Newest first, the media the caller may list. */
  async list(caller: Caller, page: { limit?: number; cursor?: string }): Promise<{ media: MediaRecord[]; nextCursor?: string }> {
    const found = await this.store.list(caller.account, { limit: pageLimit(page.limit, 20, MAX_MEDIA_PER_PAGE, 'media'), cursor: page.cursor });
    return { ...found, media: found.media.filter((m) => this.guard.allowed(caller, 'vdna:ListMedia', resource(m.id))) };
  }

  delete(caller: Caller, id: string): Promise<void> {
    return this.guard.run(caller, 'vdna:DeleteMedia', resource(id), async () => {
      const media = await this.require(caller.account, id);
      // The file first: with object storage down the media stays, whole, and the delete can be tried again.
      if (media.file) await this.inputs.blobs.delete(mediaBlobKey(media.file));
      await this.store.remove(caller.account, id);
    });
  }
}

/** An upload is registered only if it is text or something ffprobe reads; messages name it as the client did. */
async function checkPlayable(path: string, shownAs: string): Promise<void> {
  if (await isTextFile(path, false)) return;
  try {
    await probe(path);
  } catch (err) {
    if (err instanceof VdnaError) throw new VdnaError(err.code, err.message.split(path).join(shownAs));
    throw err;
  }
}
