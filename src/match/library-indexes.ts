/**
 * The in-memory search index of each library, loaded on its first search and caught up with the
 * library's revision before each use: the items other jobs, processes or machines stored or removed
 * since are applied to it, rather than reloading the library. A large video library on a database
 * with a multi-index of its own (PostgreSQL's frame keys) is searched there instead: its index in
 * memory then holds only sound and text, never the frames (see SearchIndexSettings).
 */
import { VdnaError } from '../errors.js';
import { AUDIO_FINGERPRINT_VERSION, FINGERPRINT_VERSION } from '../fingerprint/media.js';
import { LibraryIndex, type LibrarySearchOptions, type Query } from './library-index.js';
import { placementsInDatabase, searchVideoInDatabase, type Match, type QueryFrames } from './search.js';
import { withSecondLook, withVideoMatches } from './fuse.js';
import type { LookAgain, PlacementVotes } from './placements.js';
import { searchStillInDatabase } from './still.js';
import type { FrameKeyIndex } from '../index/frame-key-index.js';
import type { LibraryInfo, LibraryStore, StoredItem } from '../store/store.js';

interface Synced {
  index: LibraryIndex;
  /** The library revision the index reflects. */
  revision: number;
  /** Whether the index holds the frames (else the picture search asks the database). */
  frames: boolean;
}

/**
 * Where picture search finds its candidates. VDNA_SEARCH_INDEX: `memory` (each process holds the
 * library's multi-index), `database` (the database's frame keys, where the engine has them:
 * PostgreSQL), or `auto` (the default): the database for video libraries of VDNA_SEARCH_INDEX_HOURS
 * hours of media or more, memory below. Image libraries, and engines without frame keys (SQLite), stay in memory.
 */
export interface SearchIndexSettings {
  mode: 'memory' | 'database' | 'auto';
  databaseHours: number;
}

export function searchIndexSettings(env: NodeJS.ProcessEnv = process.env): SearchIndexSettings {
  const mode = env.VDNA_SEARCH_INDEX || 'auto';
  if (mode !== 'memory' && mode !== 'database' && mode !== 'auto') throw new Error(`VDNA_SEARCH_INDEX must be memory, database or auto, not "${mode}"`);
  const hours = Number(env.VDNA_SEARCH_INDEX_HOURS);
  return { mode, databaseHours: Number.isFinite(hours) && hours >= 0 && env.VDNA_SEARCH_INDEX_HOURS ? hours : DATABASE_HOURS };
}

/** Library size (hours of media) from which `auto` searches on the database (see README, Benchmarks). */
const DATABASE_HOURS = 2000;

const NO_FRAMES = { count: 0, hashes: new Uint32Array(0), flat: new Uint8Array(0) };

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

  constructor(
    private readonly store: LibraryStore,
    private readonly frameKeys?: FrameKeyIndex,
    private readonly settings: SearchIndexSettings = searchIndexSettings(),
  ) {}

  /** Whether the library's picture search asks the database (its index in memory holds no frames). */
  private searchesDatabase(library: LibraryInfo): boolean {
    if (!this.frameKeys || library.mediaType !== 'video') return false;
    const { mode, databaseHours } = this.settings;
    return mode === 'database' || (mode === 'auto' && library.duration >= databaseHours * 3600);
  }

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

  private async catchUp(library: LibraryInfo, previous: Synced | undefined): Promise<Synced> {
    const frames = !this.searchesDatabase(library);
    // A library that grew past the threshold (or a setting changed) is loaded again, as it now searches.
    const synced = previous?.frames === frames ? previous : undefined;
    if (synced && synced.revision >= library.revision) return synced;
    const changes = await this.store.changesSince(library.id, synced?.revision ?? -1, frames);
    if (!changes) throw new VdnaError('UNKNOWN_LIBRARY', `no library named "${library.name}"`);
    checkVersions(library, changes.put);
    const put = frames ? changes.put : changes.put.map((item) => ({ ...item, ...NO_FRAMES }));
    if (!synced) return { index: new LibraryIndex(put, library.mediaType === 'image'), revision: changes.revision, frames };
    changes.removed.forEach((key) => synced.index.remove(key));
    put.forEach((item) => synced.index.put(item));
    return { index: synced.index, revision: changes.revision, frames };
  }

  /**
   * Every item the fingerprint shares content with. Given `lookAgain` (the query's frames through given
   * placements: fingerprint/media.ts placedFrames), a query whose grid finds stretches of items that
   * the first look missed (a cropped copy's) is looked at again through the placements that found them,
   * and what that finds is added.
   */
  async search(library: LibraryInfo, fp: Query, opts: LibrarySearchOptions = {}, lookAgain?: LookAgain): Promise<Match[]> {
    const first = await this.searchOnce(library, fp, opts);
    if (!lookAgain || !fp.video?.placements || fp.still) return first;
    const chosen = await this.placements(library, fp.video, first);
    if (!chosen.length) return first;
    const placed = { fps: fp.video.fps, duration: fp.video.duration, ...(await lookAgain(chosen.map((c) => c.placement))) };
    return withSecondLook(first, await this.searchOnce(library, { video: placed }, opts), chosen, placed.fps);
  }

  /** One look: the picture from the database for a library searched there. */
  private async searchOnce(library: LibraryInfo, fp: Query, opts: LibrarySearchOptions): Promise<Match[]> {
    const index = await this.index(library);
    if (!fp.video || !this.searchesDatabase(library)) return index.search(fp, opts);
    const video = await (fp.still ? searchStillInDatabase(this.frameKeys!, library.id, fp.video) : searchVideoInDatabase(this.frameKeys!, library.id, fp.video, opts));
    return withVideoMatches(video, index.search({ ...fp, video: undefined }, opts));
  }

  /** The placements of the library's window that a query's grid finds for what `found` misses (match/placements.ts). */
  private async placements(library: LibraryInfo, video: QueryFrames, found: Match[]): Promise<PlacementVotes[]> {
    const index = await this.index(library);
    return this.searchesDatabase(library) ? placementsInDatabase(this.frameKeys!, library.id, video, found) : index.placements(video, found);
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
