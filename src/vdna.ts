/**
 * vdna as a library: DNA libraries in a data directory, media added and searched by file path, as
 * the operator of that directory (every call goes through the same services as the server's).
 */
import { localCaller, type Caller } from './access/caller.js';
import { defaultDataDir } from './data-dir.js';
import type { ProgressOptions } from './fingerprint/media.js';
import type { LibraryIndex, LibrarySearchOptions } from './match/library-index.js';
import type { Match } from './match/search.js';
import { localSettings, openServices, type Services } from './services/index.js';
import type { ItemSummary, LibraryInfo, MediaType } from './store/store.js';

export { defaultDataDir };
export { AUDIO_FINGERPRINT_VERSION, FINGERPRINT_VERSION } from './fingerprint/media.js';

export interface SearchResult {
  Matches: Match[];
}

export class Vdna {
  readonly services: Services;
  private readonly caller: Caller;

  /** `account`: whose libraries (default: the account "default", the one the server's first key belongs to). */
  constructor(opts: { dataDir?: string; account?: string } = {}) {
    const dataDir = opts.dataDir ?? defaultDataDir();
    this.services = openServices(dataDir, localSettings(dataDir));
    this.caller = localCaller(opts.account);
  }

  libraries(): Promise<LibraryInfo[]> {
    return this.services.libraries.list(this.caller);
  }

  library(name: string): Promise<LibraryInfo> {
    return this.services.libraries.get(this.caller, name);
  }

  createLibrary(name: string, description = '', mediaType: MediaType = 'video'): Promise<LibraryInfo> {
    return this.services.libraries.create(this.caller, name, mediaType, description);
  }

  deleteLibrary(name: string): Promise<void> {
    return this.services.libraries.delete(this.caller, name);
  }

  list(library: string): Promise<ItemSummary[]> {
    return this.services.libraries.allItems(this.caller, library);
  }

  /** Fingerprints a file and stores it under `key`, creating a video library if needed. All or nothing. */
  add(library: string, path: string, key: string, opts: ProgressOptions & { force?: boolean } = {}): Promise<ItemSummary> {
    return this.services.libraries.add(this.caller, library, path, key, opts);
  }

  remove(library: string, key: string): Promise<void> {
    return this.services.libraries.remove(this.caller, library, key);
  }

  /** Every item of the library that the file shares content with, with the matching segments. */
  async search(library: string, path: string, opts: ProgressOptions & LibrarySearchOptions = {}): Promise<SearchResult> {
    return { Matches: await this.services.libraries.search(this.caller, library, path, opts) };
  }

  /** A library's in-memory index (benchmarks look inside it). */
  async index(library: string): Promise<LibraryIndex> {
    return this.services.libraries.indexes.index(await this.library(library));
  }

  close(): void {
    this.services.close();
  }
}
