/** The DNA kind: fingerprint the media, search the library, store it as the mode says. */
import { VdnaError } from '../../errors.js';
import { fingerprintMedia, itemOf } from '../../fingerprint/media.js';
import type { LibraryIndexes } from '../../match/library-indexes.js';
import type { LibraryStore } from '../../store/store.js';
import type { JobKind } from '../kinds.js';
import type { JobResult } from '../types.js';

export function dnaKind(store: LibraryStore, indexes: LibraryIndexes): JobKind {
  return {
    async run(job, ctx) {
      const library = await indexes.library(job.account, job.library);
      const key = job.primaryKey;
      if (job.mode !== 'nosave' && (await store.hasItem(library.id, key!))) {
        throw new VdnaError('DUPLICATE_KEY', `key "${key}" already exists in library "${library.name}"`);
      }
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
      // An item does not duplicate itself (a media searched again under the key it is stored by).
      const matches = job.mode === 'onlysave' ? [] : (await indexes.search(library, fp)).filter((m) => m.PrimaryKey !== key);
      const save = job.mode === 'onlysave' || job.mode === 'forcesave' || (job.mode === 'save' && matches.length === 0);
      const item = save ? itemOf(key!, `${job.input!.type.toLowerCase()}:${job.input!.source}`, fp) : undefined;
      const result: JobResult = {
        saved: save,
        mediaDuration: fp.duration,
        matches,
        ...(matches.length && { matchedDurations: await indexes.durations(library, matches.map((m) => m.PrimaryKey)) }),
      };
      return {
        message: save ? 'stored' : job.mode === 'save' ? 'not stored: the media duplicates library content' : 'searched',
        result,
        ...(item && { effects: { put: { libraryId: library.id, item, replace: false } } }),
      };
    },
  };
}
