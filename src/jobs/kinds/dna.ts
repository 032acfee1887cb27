/** The DNA kind: fingerprint the media, search the library, store it as the mode says. */
import { VdnaError } from '../../errors.js';
import { fingerprintMedia, itemOf, placedFrames, type MediaFingerprint } from '../../fingerprint/media.js';
import type { LookAgain } from '../../match/placements.js';
import type { LibraryIndexes } from '../../match/library-indexes.js';
import type { LibraryInfo, LibraryStore } from '../../store/store.js';
import type { JobKind } from '../kinds.js';
import type { JobMode, JobRecord, JobResult } from '../types.js';

export function dnaKind(store: LibraryStore, indexes: LibraryIndexes): JobKind {
  return {
    async run(job, ctx) {
      const library = await targetLibrary(store, indexes, job);
      const path = await ctx.stage();
      ctx.signal.throwIfAborted();
      ctx.progress(0.05);
      const fp = await fingerprintMedia(path, {
        forSearch: job.mode !== 'onlysave',
        mediaType: library.mediaType,
        signal: ctx.signal,
        onProgress: (seconds, total) => total > 0 && ctx.progress(0.05 + (0.9 * seconds) / total),
      });
      ctx.signal.throwIfAborted();
      // A second look at a cropped copy decodes the query again: the last few per cent of the job.
      const lookAgain = (placements: number[]) =>
        placedFrames(path, placements, { signal: ctx.signal, onProgress: (seconds, total) => total > 0 && ctx.progress(0.95 + (0.04 * seconds) / total) });
      const { matches, item, effects } = await searchAndStore(indexes, library, job, fp, lookAgain);
      const result: JobResult = {
        saved: item !== undefined,
        mediaDuration: fp.duration,
        matches,
        ...(matches.length && { matchedDurations: await indexes.durations(library, matches.map((m) => m.PrimaryKey)) }),
      };
      return { message: outcomeMessage(job.mode, item !== undefined), result, effects };
    },
  };
}

/** The job's library, refusing a key it holds already when the job is to store. */
export async function targetLibrary(store: LibraryStore, indexes: LibraryIndexes, job: JobRecord): Promise<LibraryInfo> {
  const library = await indexes.library(job.account, job.library);
  if (job.mode !== 'nosave' && (await store.hasItem(library.id, job.primaryKey!))) {
    throw new VdnaError('DUPLICATE_KEY', `key "${job.primaryKey}" already exists in library "${library.name}"`);
  }
  return library;
}

/**
 * A fingerprint searched in the library and stored as the job's mode says: nosave searches, save
 * stores what duplicates nothing, forcesave stores anyway, onlysave stores without searching. Shared
 * by every kind that makes DNA (a tagging job's text).
 */
export async function searchAndStore(indexes: LibraryIndexes, library: LibraryInfo, job: JobRecord, fp: MediaFingerprint, lookAgain?: LookAgain) {
  const key = job.primaryKey;
  // An item does not duplicate itself (a media searched again under the key it is stored by).
  const matches = job.mode === 'onlysave' ? [] : (await indexes.search(library, fp, {}, lookAgain)).filter((m) => m.PrimaryKey !== key);
  const save = job.mode === 'onlysave' || job.mode === 'forcesave' || (job.mode === 'save' && matches.length === 0);
  // The item remembers where its media came from (url:…, s3:…, upload:…, media:…).
  const item = save ? itemOf(key!, `${job.input!.type.toLowerCase()}:${job.input!.source}`, fp) : undefined;
  return { matches, item, effects: item && { put: { libraryId: library.id, item, replace: false } } };
}

export const outcomeMessage = (mode: JobMode, saved: boolean) =>
  saved ? 'stored' : mode === 'save' ? 'not stored: the media duplicates library content' : 'searched';
