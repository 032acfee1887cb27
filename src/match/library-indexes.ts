/**
 * The in-memory search index of each library, loaded on its first search and kept current as jobs
 * and deletions commit (rather than reloading the library after every save).
 */
import { VdnaError } from '../errors.js';
import { AUDIO_FINGERPRINT_VERSION, FINGERPRINT_VERSION, type MediaFingerprint } from '../fingerprint/media.js';
import { LibraryIndex, type LibrarySearchOptions } from './library-index.js';
import type { Match } from './search.js';
import type { LibraryInfo, LibraryStore, StoredItem } from '../store/store.js';

export class LibraryIndexes {
  private readonly loaded = new Map<string, Promise<LibraryIndex>>();

  constructor(private readonly store: LibraryStore) {}

  /** A library by account and name, or UNKNOWN_LIBRARY. */
  async library(account: string, name: string): Promise<LibraryInfo> {
    const library = await this.store.library(account, name);
    if (!library) throw new VdnaError('UNKNOWN_LIBRARY', `no library named "${name}"`);
    return library;
  }

  /** The index of a library, loaded once. */
  index(library: LibraryInfo): Promise<LibraryIndex> {
    let index = this.loaded.get(library.id);
    if (!index) {
      index = this.load(library);
      this.loaded.set(library.id, index);
      index.catch(() => this.loaded.delete(library.id));
    }
    return index;
  }

  private async load(library: LibraryInfo): Promise<LibraryIndex> {
    const items = await this.store.loadItems(library.id);
    const stale = items.find(
      (i) => (i.count > 0 && i.fingerprintVersion !== FINGERPRINT_VERSION) || (i.audio && i.audio.version !== AUDIO_FINGERPRINT_VERSION),
    );
    if (stale) {
      throw new VdnaError(
        'INVALID_ARGUMENT',
        `library "${library.name}" holds fingerprints of another version (${stale.fingerprintVersion} ${stale.audio?.version ?? ''}); re-add its media`,
      );
    }
    return new LibraryIndex(items, library.mediaType === 'image');
  }

  async search(library: LibraryInfo, fp: MediaFingerprint, opts: LibrarySearchOptions = {}): Promise<Match[]> {
    return (await this.index(library)).search(fp, opts);
  }

  /** The durations of a library's items, by key (for the keys given). */
  async durations(library: LibraryInfo, keys: string[]): Promise<Record<string, number>> {
    const index = await this.index(library);
    return Object.fromEntries(keys.map((k) => [k, index.duration(k) ?? 0]));
  }

  /** After an item of the library was stored (committed). */
  put(libraryId: string, item: StoredItem): void {
    void this.loaded.get(libraryId)?.then((index) => index.put(item), () => undefined);
  }

  /** After keys of the library were removed (committed). */
  remove(libraryId: string, keys: string[]): void {
    void this.loaded.get(libraryId)?.then((index) => keys.forEach((k) => index.remove(k)), () => undefined);
  }

  /** Drops a library's index (deleted, or changed behind the index's back). */
  forget(libraryId: string): void {
    this.loaded.delete(libraryId);
  }
}
