/**
 * Every rule of libraries and their items, for every door: names, media types, paging, bulk deletes,
 * and the direct add/search of the CLI and the library API (the service runs the same through jobs).
 * Each call is checked against the caller's policy; another account's library is a missing one.
 */
import type { Caller } from '../access/caller.js';
import { VdnaError } from '../errors.js';
import { fingerprintMedia, itemOf, placedFrames, type ProgressOptions } from '../fingerprint/media.js';
import type { LibrarySearchOptions } from '../match/library-index.js';
import type { Match } from '../match/search.js';
import { MAX_KEYS_PER_DELETE } from '../jobs/types.js';
import { MEDIA_TYPES, summaryOf, type ItemSummary, type LibraryInfo, type LibraryStore, type MediaType } from '../store/store.js';
import type { Guard } from './guard.js';
import type { LibraryIndexes } from '../match/library-indexes.js';
import { checkKey, checkLibraryName } from './names.js';
import { pageLimit } from './paging.js';

export const MAX_ITEMS_PER_PAGE = 1000;

export interface ItemsPage {
  items: ItemSummary[];
  nextCursor?: string;
}

const resource = (name: string) => `library/${name}`;

export class LibraryService {
  /** Told when a library is deleted (the job service cancels the jobs that were to run on it). */
  onDeleted: (account: string, name: string) => Promise<void> = async () => undefined;

  constructor(
    readonly store: LibraryStore,
    readonly indexes: LibraryIndexes,
    private readonly guard: Guard,
  ) {}

  /** The account's library of that name (no policy check: for services that checked already). */
  async require(account: string, name: string): Promise<LibraryInfo> {
    checkLibraryName(name);
    return this.indexes.library(account, name);
  }

  create(caller: Caller, name: string, mediaType: MediaType = 'video', description = ''): Promise<LibraryInfo> {
    return this.guard.run(caller, 'vdna:CreateLibrary', resource(name), async () => {
      checkLibraryName(name);
      if (!MEDIA_TYPES.includes(mediaType)) throw new VdnaError('INVALID_ARGUMENT', `MediaType must be one of ${MEDIA_TYPES.join(', ')}`);
      if (description.length > 1024) throw new VdnaError('INVALID_ARGUMENT', 'a description is at most 1024 characters');
      const created = await this.store.createLibrary(caller.account, name, mediaType, description);
      if (!created) throw new VdnaError('DUPLICATE_LIBRARY', `a library named "${name}" exists`);
      return created;
    });
  }

  /** The account's library of that id (no policy check: doors that name libraries by id resolve them here). */
  async requireById(account: string, id: string): Promise<LibraryInfo> {
    const library = await this.store.libraryById(id);
    if (!library || library.account !== account) throw new VdnaError('UNKNOWN_LIBRARY', `no library with id "${id}"`);
    return library;
  }

  /** Every library name of an account (no policy check: for services that filter by their own action). */
  async names(account: string): Promise<string[]> {
    return (await this.store.libraries(account)).map((l) => l.name);
  }

  /** The libraries the caller may list. */
  async list(caller: Caller): Promise<LibraryInfo[]> {
    const all = await this.store.libraries(caller.account);
    return all.filter((l) => this.guard.allowed(caller, 'vdna:ListLibraries', resource(l.name)));
  }

  async get(caller: Caller, name: string): Promise<LibraryInfo> {
    await this.guard.check(caller, 'vdna:GetLibrary', resource(name));
    return this.require(caller.account, name);
  }

  delete(caller: Caller, name: string): Promise<void> {
    return this.guard.run(caller, 'vdna:DeleteLibrary', resource(name), async () => {
      const library = await this.require(caller.account, name);
      await this.store.deleteLibrary(library.id);
      this.indexes.forget(library.id);
      await this.onDeleted(caller.account, name);
    });
  }

  /** Items in key order, a page at a time; the cursor is opaque. */
  async items(caller: Caller, name: string, page: { limit?: number; cursor?: string } = {}): Promise<ItemsPage> {
    await this.guard.check(caller, 'vdna:ListItems', resource(name));
    const library = await this.require(caller.account, name);
    const limit = pageLimit(page.limit, MAX_ITEMS_PER_PAGE, MAX_ITEMS_PER_PAGE, 'items');
    const after = page.cursor === undefined ? undefined : Buffer.from(page.cursor, 'base64url').toString();
    const items = await this.store.listItems(library.id, { limit: limit + 1, after });
    const shown = items.slice(0, limit);
    return {
      items: shown,
      ...(items.length > limit && { nextCursor: Buffer.from(shown[shown.length - 1].key).toString('base64url') }),
    };
  }

  /** One item by its primary key (vdna:ListItems). */
  async item(caller: Caller, name: string, key: string): Promise<ItemSummary> {
    await this.guard.check(caller, 'vdna:ListItems', resource(name));
    const library = await this.require(caller.account, name);
    const item = await this.store.itemSummary(library.id, key);
    if (!item) throw new VdnaError('UNKNOWN_KEY', `no item "${key.slice(0, 256)}" in library "${name}"`);
    return item;
  }

  /** Every item, for callers that want them all (the CLI's list). */
  async allItems(caller: Caller, name: string): Promise<ItemSummary[]> {
    const all: ItemSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.items(caller, name, { cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** Deletes up to MAX_KEYS_PER_DELETE keys in one transaction. */
  deleteItems(caller: Caller, name: string, keys: string[]): Promise<{ deleted: string[]; notFound: string[] }> {
    return this.guard.run(caller, 'vdna:DeleteItems', resource(name), async () => {
      const unique = [...new Set(keys)];
      if (unique.length === 0 || unique.length > MAX_KEYS_PER_DELETE) {
        throw new VdnaError('INVALID_ARGUMENT', `give 1-${MAX_KEYS_PER_DELETE} primary keys`);
      }
      unique.forEach(checkKey);
      const library = await this.require(caller.account, name);
      const removed = await this.store.removeItems(library.id, unique);
      return { deleted: unique.filter((_, i) => removed[i]), notFound: unique.filter((_, i) => !removed[i]) };
    });
  }

  /** Fingerprints a file and stores it under `key` at once (the CLI's add), creating a video library if needed. */
  add(caller: Caller, name: string, path: string, key: string, opts: ProgressOptions & { force?: boolean } = {}): Promise<ItemSummary> {
    return this.guard.run(caller, 'vdna:AddItems', resource(name), async () => {
      checkLibraryName(name);
      checkKey(key);
      let library = await this.store.library(caller.account, name);
      if (!library) {
        await this.guard.check(caller, 'vdna:CreateLibrary', resource(name));
        library = (await this.store.createLibrary(caller.account, name, 'video')) ?? (await this.require(caller.account, name));
      }
      if (!opts.force && (await this.store.hasItem(library.id, key))) {
        throw new VdnaError('DUPLICATE_KEY', `key "${key}" already exists in library "${name}" (use --force to replace it)`);
      }
      const fp = await fingerprintMedia(path, { forSearch: false, mediaType: library.mediaType, onProgress: opts.onProgress, signal: opts.signal });
      const item = itemOf(key, path, fp);
      await this.store.putItem(library.id, item, opts.force ?? false);
      return summaryOf(item);
    });
  }

  /** Removes one item at once (the CLI's remove). */
  async remove(caller: Caller, name: string, key: string): Promise<void> {
    const { notFound } = await this.deleteItems(caller, name, [key]);
    if (notFound.length) throw new VdnaError('UNKNOWN_KEY', `no key "${key}" in library "${name}"`);
  }

  /** Every item the file shares content with, at once (the CLI's search). */
  async search(caller: Caller, name: string, path: string, opts: ProgressOptions & LibrarySearchOptions = {}): Promise<Match[]> {
    await this.guard.check(caller, 'vdna:SubmitJob', resource(name));
    const library = await this.require(caller.account, name);
    await this.indexes.index(library); // loaded (and its fingerprint version checked) before the work of fingerprinting
    const fp = await fingerprintMedia(path, { forSearch: true, mediaType: library.mediaType, onProgress: opts.onProgress, signal: opts.signal });
    return this.indexes.search(library, fp, opts, (placements) => placedFrames(path, placements, { signal: opts.signal }));
  }
}
