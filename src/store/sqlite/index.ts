/** The embedded engine: every store on one SQLite file, so that a job's end and its effects commit together. */
import type Database from 'better-sqlite3';
import { openDatabase } from './database.js';
import { SqliteAccessStore } from './access-store.js';
import { SqliteJobQueue, SqliteOutbox } from './job-queue.js';
import { SqliteLibraryStore } from './library-store.js';
import { SqliteMediaStore } from './media-store.js';
import { SqlitePersonStore } from './person-store.js';
import { SqliteFaceStore } from './face-store.js';
import type { DatabaseStores } from '../../stores.js';

export function openSqliteStores(dataDir: string): DatabaseStores & { db: Database.Database } {
  const db = openDatabase(dataDir);
  return {
    db,
    shared: false,
    libraries: new SqliteLibraryStore(db),
    jobs: new SqliteJobQueue(db),
    outbox: new SqliteOutbox(db),
    access: new SqliteAccessStore(db),
    media: new SqliteMediaStore(db),
    persons: new SqlitePersonStore(db),
    faces: new SqliteFaceStore(db),
    close: async () => {
      db.close();
    },
  };
}
