import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { VdnaError } from '../errors.js';
import type { ItemPage, ItemSummary, LibraryInfo, MediaType, Store, StoredItem } from './store.js';

const SCHEMA = `
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
`;

/** Columns added after the first release, added to older databases on open. */
const ADDED_COLUMNS: Array<[table: string, column: string, type: string]> = [
  ['items', 'audio', 'BLOB'],
  ['items', 'audio_rate', 'REAL'],
  ['items', 'audio_version', 'TEXT'],
  ['items', 'text', 'TEXT'],
];

function packBits(flags: Uint8Array): Buffer {
  const out = Buffer.alloc(Math.ceil(flags.length / 8));
  flags.forEach((f, i) => {
    if (f) out[i >> 3] |= 1 << (i & 7);
  });
  return out;
}

function unpackBits(bytes: Buffer, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}

function wordsToBuffer(words: Uint32Array): Buffer {
  const out = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => out.writeUInt32LE(w, i * 4));
  return out;
}

function bufferToWords(bytes: Buffer): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}

interface ItemRow {
  key: string;
  source: string;
  duration: number;
  fps: number;
  frame_count: number;
  fp_version: string;
  added_at: string;
  hashes?: Buffer;
  flat?: Buffer;
  audio?: Buffer | null;
  audio_rate?: number | null;
  audio_version?: string | null;
  has_audio?: number;
  has_text?: number;
  text?: string | null;
}

/** The embedded default: one SQLite file (WAL) under the data directory. */
export class SqliteStore implements Store {
  /** Shared with the job store, so that an item and the job that stored it commit together. */
  readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'vdna.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    for (const [table, column, type] of ADDED_COLUMNS) {
      const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }

  /** Libraries with their item count and stored seconds; one library when `name` is given. */
  private librarySummaries(name?: string): LibraryInfo[] {
    const rows = this.db
      .prepare(
        `SELECT l.name, l.media_type, l.description, l.created_at,
                COUNT(i.key) AS item_count, COALESCE(SUM(i.duration), 0) AS duration
           FROM libraries l LEFT JOIN items i ON i.library = l.name
          ${name === undefined ? '' : 'WHERE l.name = ?'}
          GROUP BY l.name ORDER BY l.name`,
      )
      .all(...(name === undefined ? [] : [name])) as Array<Record<string, unknown>>;
    return rows.map((r) => this.toLibrary(r));
  }

  private toLibrary(row: Record<string, unknown>): LibraryInfo {
    return {
      name: row.name as string,
      mediaType: row.media_type as MediaType,
      description: row.description as string,
      createdAt: row.created_at as string,
      itemCount: Number(row.item_count),
      duration: Number(row.duration),
    };
  }

  libraries(): LibraryInfo[] {
    return this.librarySummaries();
  }

  library(name: string): LibraryInfo | undefined {
    return this.librarySummaries(name)[0];
  }

  createLibrary(name: string, mediaType: MediaType, description = ''): LibraryInfo {
    this.db
      .prepare('INSERT OR IGNORE INTO libraries (name, media_type, description, created_at) VALUES (?, ?, ?, ?)')
      .run(name, mediaType, description, new Date().toISOString());
    return this.library(name)!;
  }

  deleteLibrary(name: string): boolean {
    return this.db.prepare('DELETE FROM libraries WHERE name = ?').run(name).changes > 0;
  }

  hasItem(library: string, key: string): boolean {
    return this.db.prepare('SELECT 1 FROM items WHERE library = ? AND key = ?').get(library, key) !== undefined;
  }

  putItem(library: string, item: StoredItem, replace: boolean): void {
    const insert = this.db.prepare(
      `INSERT ${replace ? 'OR REPLACE' : ''} INTO items
         (library, key, source, duration, fps, frame_count, hashes, flat, fp_version, added_at, audio, audio_rate, audio_version, text)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    try {
      insert.run(
        library,
        item.key,
        item.source,
        item.duration,
        item.fps,
        item.count,
        wordsToBuffer(item.hashes),
        packBits(item.flat),
        item.fingerprintVersion,
        item.addedAt,
        item.audio ? wordsToBuffer(item.audio.landmarks) : null,
        item.audio?.frameRate ?? null,
        item.audio?.version ?? null,
        item.text ? JSON.stringify(item.text) : null,
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new VdnaError('DUPLICATE_KEY', `key "${item.key}" already exists in library "${library}" (use --force to replace it)`);
      }
      throw err;
    }
  }

  removeItem(library: string, key: string): boolean {
    return this.db.prepare('DELETE FROM items WHERE library = ? AND key = ?').run(library, key).changes > 0;
  }

  private toItem(row: ItemRow): StoredItem {
    return {
      key: row.key,
      source: row.source,
      duration: row.duration,
      fps: row.fps,
      count: row.frame_count,
      hashes: row.hashes ? bufferToWords(row.hashes) : new Uint32Array(0),
      flat: row.flat ? unpackBits(row.flat, row.frame_count) : new Uint8Array(0),
      fingerprintVersion: row.fp_version,
      addedAt: row.added_at,
      ...(row.audio && { audio: { frameRate: row.audio_rate!, landmarks: bufferToWords(row.audio), version: row.audio_version! } }),
      ...(row.text && { text: JSON.parse(row.text) }),
    };
  }

  listItems(library: string, page?: ItemPage): ItemSummary[] {
    const rows = this.db
      .prepare(
        `SELECT key, source, duration, fps, frame_count, fp_version, added_at, audio IS NOT NULL AS has_audio, text IS NOT NULL AS has_text FROM items
          WHERE library = ? ${page?.after !== undefined ? 'AND key > ?' : ''} ORDER BY key ${page ? 'LIMIT ?' : ''}`,
      )
      .all(library, ...(page?.after !== undefined ? [page.after] : []), ...(page ? [page.limit] : [])) as ItemRow[];
    return rows.map((r) => {
      const { hashes: _h, flat: _f, audio: _a, text: _t, ...summary } = this.toItem(r);
      return { ...summary, hasAudio: r.has_audio === 1, hasText: r.has_text === 1 };
    });
  }

  loadItems(library: string): StoredItem[] {
    const rows = this.db.prepare('SELECT * FROM items WHERE library = ? ORDER BY key').all(library) as ItemRow[];
    return rows.map((r) => this.toItem(r));
  }

  transaction<T>(body: () => T): T {
    return this.db.transaction(body)();
  }

  close(): void {
    this.db.close();
  }
}
