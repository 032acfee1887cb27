/**
 * The PostgreSQL engine's schema, as ordered migrations; schema_migrations lists those applied. Each runs
 * in its own transaction (PostgreSQL's DDL is transactional: all of it or none). Processes starting at
 * once (a server and its workers, on several machines) take an advisory lock first, so each migration
 * is applied once. Migration 1 is the embedded engine's schema 6 with PostgreSQL's types: BYTEA for
 * fingerprints and thumbnails, BIGINT for sequences, revisions and epoch milliseconds, BOOLEAN flags;
 * JSON and ISO times stay text (the rows map to records the same way in both engines), and the text
 * that lists are ordered or paged by collates "C" (byte order, as SQLite's).
 */
import type pg from 'pg';
import { backfillFrameKeys } from './frame-keys.js';
import { sql, type Sql } from './sql.js';

const V1 = `
CREATE TABLE accounts (
  name            TEXT COLLATE "C" PRIMARY KEY,
  created_at      TEXT NOT NULL,
  callback_secret TEXT NOT NULL
);
CREATE TABLE access_keys (
  id          TEXT COLLATE "C" PRIMARY KEY,
  account     TEXT COLLATE "C" NOT NULL REFERENCES accounts(name),
  description TEXT NOT NULL DEFAULT '',
  policy      TEXT NOT NULL,
  root        BOOLEAN NOT NULL DEFAULT false,
  secret      TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  rate_limit  DOUBLE PRECISION,
  created_at  TEXT COLLATE "C" NOT NULL,
  revoked_at  TEXT
);
CREATE INDEX access_keys_by_account ON access_keys (account);
CREATE TABLE audit_log (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time       TEXT COLLATE "C" NOT NULL,
  account    TEXT NOT NULL,
  key_id     TEXT,
  action     TEXT NOT NULL,
  resource   TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  code       TEXT,
  request_id TEXT
);
CREATE INDEX audit_by_account ON audit_log (account, seq);

CREATE TABLE libraries (
  id          TEXT PRIMARY KEY,
  account     TEXT NOT NULL,
  name        TEXT COLLATE "C" NOT NULL,
  media_type  TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  revision    BIGINT NOT NULL DEFAULT 0,
  UNIQUE (account, name)
);
CREATE TABLE items (
  library       TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  key           TEXT COLLATE "C" NOT NULL,
  source        TEXT NOT NULL,
  duration      DOUBLE PRECISION NOT NULL,
  fps           DOUBLE PRECISION NOT NULL,
  frame_count   INTEGER NOT NULL,
  hashes        BYTEA NOT NULL,
  flat          BYTEA NOT NULL,
  fp_version    TEXT NOT NULL,
  added_at      TEXT NOT NULL,
  audio         BYTEA,
  audio_rate    DOUBLE PRECISION,
  audio_version TEXT,
  text          TEXT,
  revision      BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (library, key)
);
CREATE INDEX items_by_revision ON items (library, revision);
CREATE TABLE item_removals (
  library  TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  key      TEXT COLLATE "C" NOT NULL,
  revision BIGINT NOT NULL,
  PRIMARY KEY (library, key)
);

CREATE TABLE queues (
  account  TEXT NOT NULL,
  name     TEXT COLLATE "C" NOT NULL,
  paused   BOOLEAN NOT NULL DEFAULT false,
  callback TEXT,
  PRIMARY KEY (account, name)
);
CREATE TABLE jobs (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  account          TEXT NOT NULL,
  kind             TEXT NOT NULL,
  door             TEXT NOT NULL DEFAULT 'native',
  queue            TEXT NOT NULL,
  library          TEXT NOT NULL,
  options          TEXT,
  mode             TEXT NOT NULL,
  state            TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
  primary_key      TEXT,
  input            TEXT,
  user_data        TEXT,
  callback         TEXT,
  key_id           TEXT,
  code             TEXT,
  message          TEXT,
  result           TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  created_at       TEXT COLLATE "C" NOT NULL,
  started_at       TEXT,
  completed_at     TEXT,
  lease_owner      TEXT,
  lease_until      BIGINT,
  cancel_requested BOOLEAN NOT NULL DEFAULT false
);
-- The queue's head (fetch) and the running jobs (heartbeats, reaping) are small partial indexes.
CREATE INDEX jobs_queued ON jobs (priority DESC, seq) WHERE state = 'Queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'Running';
CREATE INDEX jobs_by_state ON jobs (state);
CREATE INDEX jobs_by_account ON jobs (account, library, seq);
CREATE INDEX jobs_by_queue ON jobs (account, queue, state);
CREATE INDEX jobs_by_key ON jobs (account, primary_key, seq);
CREATE TABLE deliveries (
  id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id   TEXT NOT NULL,
  target   TEXT NOT NULL,
  state    TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at  BIGINT NOT NULL,
  log      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'Pending';
CREATE INDEX deliveries_by_job ON deliveries (job_id);

CREATE TABLE media (
  seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  account    TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  input      TEXT NOT NULL,
  file       TEXT,
  size       BIGINT,
  created_at TEXT NOT NULL
);
CREATE INDEX media_by_account ON media (account, seq);
CREATE TABLE persons (
  account     TEXT NOT NULL,
  name        TEXT COLLATE "C" NOT NULL,
  descriptors TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (account, name)
);
CREATE TABLE faces (
  id         TEXT PRIMARY KEY,
  account    TEXT NOT NULL,
  job_id     TEXT,
  descriptor TEXT NOT NULL,
  thumbnail  BYTEA NOT NULL,
  created_at TEXT NOT NULL
);
`;

/**
 * Version 2: the multi-index on the database (frame-keys.ts). Libraries and items get numbers (compact
 * row references), an item's hashes are stored uncompressed (random bits do not compress) so that a
 * window of them is read without the rest, and the items already stored get their rows.
 */
const V2 = `
ALTER TABLE libraries ADD COLUMN num INTEGER GENERATED BY DEFAULT AS IDENTITY UNIQUE;
ALTER TABLE items ADD COLUMN num INTEGER GENERATED BY DEFAULT AS IDENTITY UNIQUE;
ALTER TABLE items ALTER COLUMN hashes SET STORAGE EXTERNAL;
CREATE TABLE frame_keys (
  hash    BIGINT NOT NULL,
  library INTEGER NOT NULL,
  item    INTEGER NOT NULL,
  frame   INTEGER NOT NULL,
  key     INTEGER NOT NULL
) PARTITION BY LIST (library);
CREATE INDEX frame_keys_by_key ON frame_keys (library, key) INCLUDE (hash, item, frame);
CREATE INDEX frame_keys_by_item ON frame_keys USING brin (item);
`;

/**
 * Version 3: faces' thumbnails and jobs' results are blobs (store/faces.ts, jobs/results.ts), so a
 * face's thumbnail may be NULL. What an older vdna kept in the two columns stays until a server's start
 * moves it to the blobs; the partial indexes find it without reading every face and job (and are empty
 * from then on).
 */
const V3 = `
ALTER TABLE faces ALTER COLUMN thumbnail DROP NOT NULL;
CREATE INDEX faces_with_thumbnail ON faces (id) WHERE thumbnail IS NOT NULL;
CREATE INDEX jobs_with_result ON jobs (seq) WHERE result IS NOT NULL;
`;

/** Version 4: items keep the centre strip of their frames (StoredItem.strip); older items have none. */
const V4 = `ALTER TABLE items ADD COLUMN strip BYTEA;`;

/** A migration: its SQL, and what then runs in its transaction (filling what the SQL added). */
interface Migration {
  sql: string;
  then?: (tx: Sql) => Promise<void>;
}

export const MIGRATIONS: Migration[] = [{ sql: V1 }, { sql: V2, then: backfillFrameKeys }, { sql: V3 }, { sql: V4 }];

/** Any number fixed for vdna: the advisory lock that makes starting processes migrate one at a time. */
const MIGRATION_LOCK = 0x76646e61;

/** Applies the migrations the database lacks, each in its own transaction, under the advisory lock. */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      const applied = rows[0].v ?? 0;
      if (applied > MIGRATIONS.length) {
        throw new Error(`this database has schema version ${applied}, newer than this vdna knows (${MIGRATIONS.length}): upgrade vdna`);
      }
      for (let v = applied; v < MIGRATIONS.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[v].sql);
          await MIGRATIONS[v].then?.(sql(client));
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${v + 1} failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
