/** The delete kind: remove one item of a library by its primary key. */
import type { LibraryIndexes } from '../../match/library-indexes.js';
import type { LibraryStore } from '../../store/store.js';
import type { JobKind } from '../kinds.js';
import type { JobResult } from '../types.js';

export function deleteKind(store: LibraryStore, indexes: LibraryIndexes): JobKind {
  return {
    async run(job) {
      const library = await indexes.library(job.account, job.library);
      const key = job.primaryKey!;
      const exists = await store.hasItem(library.id, key);
      const result: JobResult = { saved: false, deleted: exists, matches: [] };
      return {
        message: exists ? 'deleted' : 'no such key; nothing to delete',
        result,
        effects: { remove: { libraryId: library.id, keys: [key] } },
      };
    },
  };
}
