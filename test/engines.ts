/**
 * The engines the contract suites run on, the same tests against each (as pg-boss runs its suite on
 * several PostgreSQL flavours): SQLite in a temporary directory, and PostgreSQL in a throwaway cluster
 * (test/postgres-helpers.ts) started once per test file, a fresh database per test.
 */
import { after, afterEach, beforeEach, describe } from 'node:test';
import type { DatabaseStores } from '../src/stores.js';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import { tempDir } from './helpers.js';
import { startPostgres, type Postgres } from './postgres-helpers.js';

export interface TestDatabase {
  /** A connection to this database; each call is another one (as another process would have). */
  open(): Promise<DatabaseStores>;
  cleanup(): void;
}

export interface Engine {
  name: 'SQLite' | 'PostgreSQL';
  /** A new, empty database. */
  database(): Promise<TestDatabase>;
}

const sqlite: Engine = {
  name: 'SQLite',
  async database() {
    const dir = tempDir();
    return { open: async () => openSqliteStores(dir.path), cleanup: dir.cleanup };
  },
};

let cluster: Promise<Postgres> | undefined;

const postgres: Engine = {
  name: 'PostgreSQL',
  async database() {
    cluster ??= startPostgres();
    const url = await (await cluster).database();
    return { open: () => openPostgresStores(url), cleanup: () => undefined };
  },
};

/** Declares `suite` once per engine, each in a describe named after it. */
export function forEachEngine(title: string, suite: (engine: Engine) => void): void {
  for (const engine of [sqlite, postgres]) describe(`${title} (${engine.name})`, () => suite(engine));
  after(async () => (await cluster)?.stop());
}

/** A new database for each test of the suite: opened before it (handed to `use`), closed after. */
export function freshDatabase(engine: Engine, use: (db: TestDatabase, stores: DatabaseStores) => void): void {
  let db: TestDatabase;
  let stores: DatabaseStores;
  beforeEach(async () => {
    db = await engine.database();
    stores = await db.open();
    use(db, stores);
  });
  afterEach(async () => {
    await stores.close();
    db.cleanup();
  });
}
