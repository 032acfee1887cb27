/**
 * The embedded engine's schema, as ordered migrations; `PRAGMA user_version` counts those applied.
 * Each runs in one transaction. Migration 1 is the schema of the first releases (written so that it
 * also completes a database made by them); later ones change it in place and keep the data.
 */
import type Database from 'better-sqlite3';

const V1 = `
CREATE TABLE IF NOT EXISTS libraries (
  name        TEXT PRIMARY KEY,
  media_type  TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  library     TEXT NOT NULL REFERENCES libraries(name) ON DELETE CASCADE,
  key         TEXT NOT NULL,
  source      TEXT NOT NULL,
  duration    REAL NOT NULL,
  fps         REAL NOT NULL,
  frame_count INTEGER NOT NULL,
  hashes      BLOB NOT NULL,
  flat        BLOB NOT NULL,
  fp_version  TEXT NOT NULL,
  added_at    TEXT NOT NULL,
  PRIMARY KEY (library, key)
);
CREATE TABLE IF NOT EXISTS queues (
  name     TEXT PRIMARY KEY,
  paused   INTEGER NOT NULL DEFAULT 0,
  callback TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  queue        TEXT NOT NULL,
  library      TEXT NOT NULL,
  mode         TEXT NOT NULL,
  state        TEXT NOT NULL,
  priority     INTEGER NOT NULL,
  progress     REAL NOT NULL DEFAULT 0,
  primary_key  TEXT,
  input        TEXT,
  user_data    TEXT,
  callback     TEXT,
  code         TEXT,
  message      TEXT,
  result       TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  started_at   TEXT,
  completed_at TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      TEXT NOT NULL,
  target      TEXT NOT NULL,
  state       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  log         TEXT NOT NULL DEFAULT '[]'
);
`;

/** Columns the first releases added over time. */
const V1_COLUMNS: Array<[table: string, column: string, type: string]> = [
  ['items', 'audio', 'BLOB'],
  ['items', 'audio_rate', 'REAL'],
  ['items', 'audio_version', 'TEXT'],
  ['items', 'text', 'TEXT'],
];

/** A callback stored as the first releases wrote it ({Type, Url, Format} / {Type, Stream}), as a record. */
const CALLBACK_RECORD = (column: string) => `CASE WHEN ${column} IS NULL THEN NULL
  WHEN json_extract(${column}, '$.Type') = 'Redis' THEN json_object('type', 'redis', 'stream', json_extract(${column}, '$.Stream'))
  ELSE json_object('type', 'http', 'url', json_extract(${column}, '$.Url'), 'format', coalesce(json_extract(${column}, '$.Format'), 'json')) END`;

/**
 * Accounts own everything: libraries get an unguessable id and a name unique per account; jobs and
 * queues an account; records become camelCase JSON. What existed belongs to the account "default".
 */
const V2 = `
CREATE TABLE accounts (
  name            TEXT PRIMARY KEY,
  created_at      TEXT NOT NULL,
  callback_secret TEXT NOT NULL
);
CREATE TABLE access_keys (
  id          TEXT PRIMARY KEY,
  account     TEXT NOT NULL REFERENCES accounts(name),
  description TEXT NOT NULL DEFAULT '',
  policy      TEXT NOT NULL,
  root        INTEGER NOT NULL DEFAULT 0,
  secret      TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  rate_limit  REAL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);
CREATE INDEX access_keys_by_account ON access_keys (account);
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  time       TEXT NOT NULL,
  account    TEXT NOT NULL,
  key_id     TEXT,
  action     TEXT NOT NULL,
  resource   TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  code       TEXT,
  request_id TEXT
);
CREATE INDEX audit_by_account ON audit_log (account, seq);

CREATE TABLE libraries_v2 (
  id          TEXT PRIMARY KEY,
  account     TEXT NOT NULL,
  name        TEXT NOT NULL,
  media_type  TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  UNIQUE (account, name)
);
INSERT INTO libraries_v2 SELECT lower(hex(randomblob(16))), 'default', name, media_type, description, created_at FROM libraries;
CREATE TABLE items_v2 (
  library       TEXT NOT NULL REFERENCES libraries_v2(id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  source        TEXT NOT NULL,
  duration      REAL NOT NULL,
  fps           REAL NOT NULL,
  frame_count   INTEGER NOT NULL,
  hashes        BLOB NOT NULL,
  flat          BLOB NOT NULL,
  fp_version    TEXT NOT NULL,
  added_at      TEXT NOT NULL,
  audio         BLOB,
  audio_rate    REAL,
  audio_version TEXT,
  text          TEXT,
  PRIMARY KEY (library, key)
);
INSERT INTO items_v2 SELECT l.id, i.key, i.source, i.duration, i.fps, i.frame_count, i.hashes, i.flat, i.fp_version, i.added_at,
                            i.audio, i.audio_rate, i.audio_version, i.text
  FROM items i JOIN libraries_v2 l ON l.name = i.library;
DROP TABLE items;
DROP TABLE libraries;
ALTER TABLE libraries_v2 RENAME TO libraries;
ALTER TABLE items_v2 RENAME TO items;

CREATE TABLE queues_v2 (
  account  TEXT NOT NULL,
  name     TEXT NOT NULL,
  paused   INTEGER NOT NULL DEFAULT 0,
  callback TEXT,
  PRIMARY KEY (account, name)
);
INSERT INTO queues_v2 SELECT 'default', name, paused, ${CALLBACK_RECORD('callback')} FROM queues;
DROP TABLE queues;
ALTER TABLE queues_v2 RENAME TO queues;

ALTER TABLE jobs ADD COLUMN account TEXT NOT NULL DEFAULT 'default';
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'dna';
ALTER TABLE jobs ADD COLUMN key_id TEXT;
UPDATE jobs SET kind = 'delete' WHERE mode = 'delete';
UPDATE jobs SET input = json_object('type', json_extract(input, '$.Type'), 'source', json_extract(input, '$.Source')) WHERE input IS NOT NULL;
UPDATE jobs SET callback = ${CALLBACK_RECORD('callback')};
UPDATE jobs SET result = json_object('saved', json(CASE WHEN json_extract(result, '$.Saved') THEN 'true' ELSE 'false' END),
                                     'deleted', json(CASE WHEN json_type(result, '$.Deleted') IS NULL THEN 'null'
                                                          WHEN json_extract(result, '$.Deleted') THEN 'true' ELSE 'false' END),
                                     'mediaDuration', json_extract(result, '$.MediaDuration'),
                                     'matches', json(coalesce(json_extract(result, '$.Matches'), '[]')))
 WHERE result IS NOT NULL AND result <> 'null';
UPDATE deliveries SET target = ${CALLBACK_RECORD('target')},
  log = (SELECT json_group_array(json_object('attempt', json_extract(value, '$.Attempt'), 'time', json_extract(value, '$.Time'),
                                             'ok', json(CASE WHEN json_extract(value, '$.Ok') THEN 'true' ELSE 'false' END),
                                             'status', json_extract(value, '$.Status'), 'error', json_extract(value, '$.Error'),
                                             'milliseconds', json_extract(value, '$.Milliseconds')))
           FROM json_each(deliveries.log));
DROP INDEX IF EXISTS jobs_by_state;
DROP INDEX IF EXISTS jobs_by_library;
CREATE INDEX jobs_by_state ON jobs (state, priority DESC, seq);
CREATE INDEX jobs_by_account ON jobs (account, library, seq);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE INDEX IF NOT EXISTS deliveries_by_job ON deliveries (job_id);
`;

/** The media registry; each job remembers the door it came through (its events are rendered in that door's shape). */
const V3 = `
CREATE TABLE media (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  account    TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  input      TEXT NOT NULL,
  file       TEXT,
  size       INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX media_by_account ON media (account, seq);
ALTER TABLE jobs ADD COLUMN door TEXT NOT NULL DEFAULT 'native';
CREATE INDEX jobs_by_key ON jobs (account, primary_key, seq);
`;

/**
 * Worker processes: a running job is leased by one worker until a time (renewed by its heartbeat), and
 * a cancel of a running job is a flag its worker reads. Each library counts its changes (revision), and
 * items and removals carry the revision that wrote them, so a worker's in-memory index catches up on
 * what other processes stored without reloading the library.
 */
const V4 = `
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE libraries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE INDEX items_by_revision ON items (library, revision);
CREATE TABLE item_removals (
  library  TEXT NOT NULL REFERENCES libraries(id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  revision INTEGER NOT NULL,
  PRIMARY KEY (library, key)
);
`;

/** The person registry: the people an account registered for smart tagging, with their face descriptors. */
const V5 = `
CREATE TABLE persons (
  account     TEXT NOT NULL,
  name        TEXT NOT NULL,
  descriptors TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (account, name)
);
`;

/**
 * Smart tagging as a job kind: a job carries its kind's options (the analysers), and the faces a
 * tagging job found are kept (descriptor and thumbnail) so that a user can name them later.
 */
const V6 = `
ALTER TABLE jobs ADD COLUMN options TEXT;
CREATE TABLE faces (
  id         TEXT PRIMARY KEY,
  account    TEXT NOT NULL,
  job_id     TEXT,
  descriptor TEXT NOT NULL,
  thumbnail  BLOB NOT NULL,
  created_at TEXT NOT NULL
);
`;

/**
 * Faces' thumbnails and jobs' results are blobs (store/faces.ts, jobs/results.ts): a face's thumbnail
 * column may be empty (SQLite cannot drop NOT NULL in place: the table is made again). What an older
 * vdna kept in the two columns stays until a server's start moves it to the blobs; the partial indexes
 * find it without reading every face and job (and are empty from then on).
 */
const V7 = `
CREATE TABLE faces_v7 (
  id         TEXT PRIMARY KEY,
  account    TEXT NOT NULL,
  job_id     TEXT,
  descriptor TEXT NOT NULL,
  thumbnail  BLOB,
  created_at TEXT NOT NULL
);
INSERT INTO faces_v7 (id, account, job_id, descriptor, thumbnail, created_at)
  SELECT id, account, job_id, descriptor, thumbnail, created_at FROM faces;
DROP TABLE faces;
ALTER TABLE faces_v7 RENAME TO faces;
CREATE INDEX faces_with_thumbnail ON faces (id) WHERE thumbnail IS NOT NULL;
CREATE INDEX jobs_with_result ON jobs (seq) WHERE result IS NOT NULL;
`;

/** Items keep the centre strip of their frames (StoredItem.strip); older items have none. */
const V8 = `ALTER TABLE items ADD COLUMN strip BLOB;`;

type Migration = (db: Database.Database) => void;

export const MIGRATIONS: Migration[] = [
  (db) => {
    db.exec(V1);
    for (const [table, column, type] of V1_COLUMNS) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  },
  (db) => db.exec(V2),
  (db) => db.exec(V3),
  (db) => db.exec(V4),
  (db) => db.exec(V5),
  (db) => db.exec(V6),
  (db) => db.exec(V7),
  (db) => db.exec(V8),
];

/** Applies the migrations a database lacks, each in its own transaction (foreign keys checked after). */
export function migrate(db: Database.Database): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const applied = version();
  if (applied > MIGRATIONS.length) {
    throw new Error(`this database has schema version ${applied}, newer than this vdna knows (${MIGRATIONS.length}): upgrade vdna`);
  }
  if (applied === MIGRATIONS.length) return;
  db.pragma('foreign_keys = OFF');
  try {
    for (let v = applied; v < MIGRATIONS.length; v++) {
      // IMMEDIATE takes the write lock first; the version is read again under it, so two processes
      // opening one database at once apply each migration once.
      db.transaction(() => {
        if (version() !== v) return;
        MIGRATIONS[v](db);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length) throw new Error(`migration ${v + 1} broke ${broken.length} references`);
        db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
