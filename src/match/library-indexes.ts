/**
 * The in-memory search index of each library, loaded on its first search and caught up with the
 * library's revision before each use: the items other jobs, processes or machines stored or removed
 * since are applied to it, rather than reloading the library.
 */
import { VdnaError } from '../errors.js';
import { AUDIO_FINGERPRINT_VERSION, FINGERPRINT_VERSION, type MediaFingerprint } from '../fingerprint/media.js';
import { LibraryIndex, type LibrarySearchOptions } from './library-index.js';
import type { Match } from './search.js';
import type { LibraryInfo, LibraryStore, StoredItem } from '../store/store.js';

interface Synced {
  index: LibraryIndex;
  /** The library revision the index reflects. */
  revision: number;
}

function checkVersions(library: LibraryInfo, items: StoredItem[]): void {
  const stale = items.find(
    (i) => (i.count > 0 && i.fingerprintVersion !== FINGERPRINT_VERSION) || (i.audio && i.audio.version !== AUDIO_FINGERPRINT_VERSION),
  );
  if (stale) {
    throw new VdnaError(
      'INVALID_ARGUMENT',
      `library "${library.name}" holds fingerprints of another version (${stale.fingerprintVersion} ${stale.audio?.version ?? ''}); re-add its media`,
    );
  }
}

export class LibraryIndexes {
  /** Per library, the latest synced index; each use chains on it, so catch-ups never overlap. */
  private readonly loaded = new Map<string, Promise<Synced>>();

  constructor(private readonly store: LibraryStore) {}

  /** A library by account and name, or UNKNOWN_LIBRARY. */
  async library(account: string, name: string): Promise<LibraryInfo> {
    const library = await this.store.library(account, name);
    if (!library) throw new VdnaError('UNKNOWN_LIBRARY', `no library named "${name}"`);
    return library;
  }

  /** The index of a library, at least as current as `library.revision`. */
  async index(library: LibraryInfo): Promise<LibraryIndex> {
    const previous = this.loaded.get(library.id);
    const next = (previous ? previous.catch(() => undefined) : Promise.resolve(undefined)).then((synced) => this.catchUp(library, synced));
    this.loaded.set(library.id, next);
    next.catch(() => this.loaded.get(library.id) === next && this.loaded.delete(library.id));
    return (await next).index;
  }

  private async catchUp(library: LibraryInfo, synced: Synced | undefined): Promise<Synced> {
    if (synced && synced.revision >= library.revision) return synced;
    const changes = await this.store.changesSince(library.id, synced?.revision ?? -1);
    if (!changes) throw new VdnaError('UNKNOWN_LIBRARY', `no library named "${library.name}"`);
    checkVersions(library, changes.put);
    if (!synced) return { index: new LibraryIndex(changes.put, library.mediaType === 'image'), revision: changes.revision };
    changes.removed.forEach((key) => synced.index.remove(key));
    changes.put.forEach((item) => synced.index.put(item));
    return { index: synced.index, revision: changes.revision };
  }

  async search(library: LibraryInfo, fp: MediaFingerprint, opts: LibrarySearchOptions = {}): Promise<Match[]> {
    return (await this.index(library)).search(fp, opts);
  }

  /** The durations of a library's items, by key (for the keys given). */
  async durations(library: LibraryInfo, keys: string[]): Promise<Record<string, number>> {
    const index = await this.index(library);
    return Object.fromEntries(keys.map((k) => [k, index.duration(k) ?? 0]));
  }

  /** Drops a library's index (the library was deleted). */
  forget(libraryId: string): void {
    this.loaded.delete(libraryId);
  }
}
