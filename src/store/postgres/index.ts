/**
 * The PostgreSQL engine: every store on one database that any number of servers and workers share, on
 * any number of machines; a job's end and its effects commit in one transaction, as in the embedded one.
 */
import type { DatabaseStores } from '../../stores.js';
import { PgAccessStore } from './access-store.js';
import { openDatabase } from './database.js';
import { PgFaceStore } from './face-store.js';
import { PgFrameKeyIndex } from './frame-keys.js';
import { PgJobQueue } from './job-queue.js';
import { PgLibraryStore } from './library-store.js';
import { PgMediaStore } from './media-store.js';
import { PgOutbox } from './outbox.js';
import { PgPersonStore } from './person-store.js';

/** `url`: postgres://user:password@host:port/database. */
export async function openPostgresStores(url: string): Promise<DatabaseStores> {
  const db = await openDatabase(url);
  return {
    shared: true,
    libraries: new PgLibraryStore(db),
    jobs: new PgJobQueue(db),
    outbox: new PgOutbox(db),
    access: new PgAccessStore(db),
    media: new PgMediaStore(db),
    persons: new PgPersonStore(db),
    faces: new PgFaceStore(db),
    frameKeys: new PgFrameKeyIndex(db),
    close: () => db.close(),
  };
}
