/**
 * vdna as a library: DNA libraries in a data directory, media added and searched by file path, as
 * the operator of that directory (every call goes through the same services as the server's). The
 * stores open in the background (PostgreSQL when VDNA_DATABASE_URL says so); each call waits for them.
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
  private readonly opening: Promise<Services>;
  private opened?: Services;
  private readonly caller: Caller;

  /** `account`: whose libraries (default: the account "default", the one the server's first key belongs to). */
  constructor(opts: { dataDir?: string; account?: string } = {}) {
    const dataDir = opts.dataDir ?? defaultDataDir();
    this.opening = openServices(dataDir, localSettings(dataDir)).then((services) => (this.opened = services));
    // A failure to open is reported by the first call (and close), not as an unhandled rejection.
    this.opening.catch(() => undefined);
    this.caller = localCaller(opts.account);
  }

  /** Resolves once the stores are open (calls wait for it anyway). */
  async ready(): Promise<Services> {
    return this.opening;
  }

  /** The services, once open (await ready() first). */
  get services(): Services {
    if (!this.opened) throw new Error('vdna is not open yet: await vdna.ready() first');
    return this.opened;
  }

  async libraries(): Promise<LibraryInfo[]> {
    return (await this.ready()).libraries.list(this.caller);
  }

  async library(name: string): Promise<LibraryInfo> {
    return (await this.ready()).libraries.get(this.caller, name);
  }

  async createLibrary(name: string, description = '', mediaType: MediaType = 'video'): Promise<LibraryInfo> {
    return (await this.ready()).libraries.create(this.caller, name, mediaType, description);
  }

  async deleteLibrary(name: string): Promise<void> {
    return (await this.ready()).libraries.delete(this.caller, name);
  }

  async list(library: string): Promise<ItemSummary[]> {
    return (await this.ready()).libraries.allItems(this.caller, library);
  }

  /** Fingerprints a file and stores it under `key`, creating a video library if needed. All or nothing. */
  async add(library: string, path: string, key: string, opts: ProgressOptions & { force?: boolean } = {}): Promise<ItemSummary> {
    return (await this.ready()).libraries.add(this.caller, library, path, key, opts);
  }

  async remove(library: string, key: string): Promise<void> {
    return (await this.ready()).libraries.remove(this.caller, library, key);
  }

  /** Every item of the library that the file shares content with, with the matching segments. */
  async search(library: string, path: string, opts: ProgressOptions & LibrarySearchOptions = {}): Promise<SearchResult> {
    return { Matches: await (await this.ready()).libraries.search(this.caller, library, path, opts) };
  }

  /** A library's in-memory index (benchmarks look inside it). */
  async index(library: string): Promise<LibraryIndex> {
    return (await this.ready()).libraries.indexes.index(await this.library(library));
  }

  /** Closes at once when open (the embedded database is closed before this returns). */
  close(): Promise<void> {
    return this.opened ? this.opened.close() : this.opening.then((services) => services.close());
  }
}
