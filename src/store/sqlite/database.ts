/**
 * Opens the embedded engine's one SQLite file (WAL) and brings its schema up to date. Several processes
 * share it (a server and its workers): every transaction that writes begins IMMEDIATE, taking the write
 * lock first and waiting for it (busy_timeout). A deferred one that read first could not upgrade once
 * another process had written (SQLITE_BUSY_SNAPSHOT, no wait) and failed after its side effects.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from './migrations.js';

/** `dataDir` holds vdna.sqlite; ':memory:' gives a private in-memory database (unit tests). */
export function openDatabase(dataDir: string): Database.Database {
  let db: Database.Database;
  if (dataDir === ':memory:') {
    db = new Database(':memory:');
  } else {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(join(dataDir, 'vdna.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
  }
  db.pragma('foreign_keys = ON');
  migrate(db);
  cacheStatements(db);
  return db;
}

/** Statements kept at most (SQL built with a variable number of parameters makes new texts). */
const MAX_CACHED_STATEMENTS = 256;

/**
 * Compiles each SQL text once: the stores call `prepare` where they run a statement (readable), and
 * compiling on every call was a good part of a request's cost. No store changes a statement's mode
 * (pluck, raw) or iterates one, so a statement can be shared by every call.
 */
function cacheStatements(db: Database.Database): void {
  const compile = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      statement = compile(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}
