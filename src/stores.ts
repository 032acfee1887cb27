/**
 * Every store an engine provides; the services and the runner see only these contracts. The engine is
 * chosen by one setting: VDNA_DATABASE_URL=postgres://… is PostgreSQL (shared by any number of servers
 * and workers), else the embedded SQLite file of the data directory.
 */
import type { AccessStore } from './access/store.js';
import type { JobQueue } from './jobs/queue.js';
import type { Outbox } from './notify/outbox.js';
import type { MediaStore } from './store/media.js';
import type { FaceStore } from './store/faces.js';
import type { PersonStore } from './store/persons.js';
import type { LibraryStore } from './store/store.js';
import { openPostgresStores } from './store/postgres/index.js';
import { openSqliteStores } from './store/sqlite/index.js';

export interface Stores {
  libraries: LibraryStore;
  jobs: JobQueue;
  outbox: Outbox;
  access: AccessStore;
  media: MediaStore;
  persons: PersonStore;
  faces: FaceStore;
  /**
   * Whether other servers may share these stores (PostgreSQL): a server then takes no data-directory
   * lock, and at its start takes back only jobs whose lease ran out (the others run elsewhere).
   */
  shared: boolean;
  close(): Promise<void>;
}

/** The stores of the engine the setting names (`env.VDNA_DATABASE_URL`), else the data directory's SQLite file. */
export async function openStores(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Stores> {
  const url = env.VDNA_DATABASE_URL;
  if (!url) return openSqliteStores(dataDir);
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`VDNA_DATABASE_URL must be a postgres:// URL, not "${url.split(':')[0]}:…"`);
  return openPostgresStores(url);
}
