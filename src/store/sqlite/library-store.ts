import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VdnaError } from '../../errors.js';
import type { ItemPage, ItemSummary, LibraryChanges, LibraryInfo, LibraryStore, MediaType, StoredItem } from '../store.js';

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

/** An item without its fingerprint: what listings show. */
const SUMMARY_SELECT =
  'SELECT key, source, duration, fps, frame_count, fp_version, added_at, audio IS NOT NULL AS has_audio, text IS NOT NULL AS has_text FROM items';

function toSummary(r: ItemRow): ItemSummary {
  const { hashes: _h, flat: _f, audio: _a, text: _t, ...summary } = toItem(r);
  return { ...summary, hasAudio: r.has_audio === 1, hasText: r.has_text === 1 };
}

function toItem(row: ItemRow): StoredItem {
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

/** Counts a change of the library; its new revision. */
function nextRevision(db: Database.Database, library: string): number {
  const row = db.prepare('UPDATE libraries SET revision = revision + 1 WHERE id = ? RETURNING revision').get(library) as { revision: number } | undefined;
  if (!row) throw new VdnaError('UNKNOWN_LIBRARY', 'the library was deleted');
  return row.revision;
}

/** Stores an item; call it inside a transaction (it bumps the library's revision too). */
export function putItem(db: Database.Database, library: string, item: StoredItem, replace: boolean): void {
  const insert = db.prepare(
    `INSERT ${replace ? 'OR REPLACE' : ''} INTO items
       (library, key, source, duration, fps, frame_count, hashes, flat, fp_version, added_at, audio, audio_rate, audio_version, text, revision)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  try {
    const revision = nextRevision(db, library);
    db.prepare('DELETE FROM item_removals WHERE library = ? AND key = ?').run(library, item.key);
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
      revision,
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new VdnaError('DUPLICATE_KEY', `key "${item.key}" already exists in this library`);
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new VdnaError('UNKNOWN_LIBRARY', 'the library was deleted');
    throw err;
  }
}

/** Removes keys; true for each key that existed. Call it inside a transaction. */
export function removeItems(db: Database.Database, library: string, keys: string[]): boolean[] {
  const remove = db.prepare('DELETE FROM items WHERE library = ? AND key = ?');
  const removed = keys.map((key) => remove.run(library, key).changes > 0);
  if (removed.some(Boolean)) {
    const revision = nextRevision(db, library);
    const record = db.prepare('INSERT OR REPLACE INTO item_removals (library, key, revision) VALUES (?, ?, ?)');
    keys.forEach((key, i) => removed[i] && record.run(library, key, revision));
  }
  return removed;
}

/** Libraries and their items in the embedded engine's database. */
export class SqliteLibraryStore implements LibraryStore {
  constructor(private readonly db: Database.Database) {}

  /** Libraries with their item count and stored seconds. */
  private summaries(where: string, ...args: unknown[]): LibraryInfo[] {
    const rows = this.db
      .prepare(
        `SELECT l.id, l.account, l.name, l.media_type, l.description, l.created_at, l.revision,
                COUNT(i.key) AS item_count, COALESCE(SUM(i.duration), 0) AS duration
           FROM libraries l LEFT JOIN items i ON i.library = l.id
          WHERE ${where}
          GROUP BY l.id ORDER BY l.name`,
      )
      .all(...args) as Array<Record<string, unknown>>;
    return rows.map((row) => ({
      id: row.id as string,
      account: row.account as string,
      name: row.name as string,
      mediaType: row.media_type as MediaType,
      description: row.description as string,
      createdAt: row.created_at as string,
      itemCount: Number(row.item_count),
      duration: Number(row.duration),
      revision: Number(row.revision),
    }));
  }

  async libraries(account: string): Promise<LibraryInfo[]> {
    return this.summaries('l.account = ?', account);
  }

  async library(account: string, name: string): Promise<LibraryInfo | undefined> {
    return this.summaries('l.account = ? AND l.name = ?', account, name)[0];
  }

  async libraryById(id: string): Promise<LibraryInfo | undefined> {
    return this.summaries('l.id = ?', id)[0];
  }

  async createLibrary(account: string, name: string, mediaType: MediaType, description = ''): Promise<LibraryInfo | undefined> {
    const id = randomBytes(16).toString('hex');
    const { changes } = this.db
      .prepare('INSERT OR IGNORE INTO libraries (id, account, name, media_type, description, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, account, name, mediaType, description, new Date().toISOString());
    return changes ? this.libraryById(id) : undefined;
  }

  async deleteLibrary(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM libraries WHERE id = ?').run(id).changes > 0;
  }

  async hasItem(library: string, key: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM items WHERE library = ? AND key = ?').get(library, key) !== undefined;
  }

  async putItem(library: string, item: StoredItem, replace: boolean): Promise<void> {
    this.db.transaction(() => putItem(this.db, library, item, replace)).immediate();
  }

  async removeItems(library: string, keys: string[]): Promise<boolean[]> {
    return this.db.transaction(() => removeItems(this.db, library, keys)).immediate();
  }

  async listItems(library: string, page?: ItemPage): Promise<ItemSummary[]> {
    const rows = this.db
      .prepare(
        `${SUMMARY_SELECT} WHERE library = ? ${page?.after !== undefined ? 'AND key > ?' : ''} ORDER BY key ${page ? 'LIMIT ?' : ''}`,
      )
      .all(library, ...(page?.after !== undefined ? [page.after] : []), ...(page ? [page.limit] : [])) as ItemRow[];
    return rows.map(toSummary);
  }

  async itemSummary(library: string, key: string): Promise<ItemSummary | undefined> {
    const row = this.db.prepare(`${SUMMARY_SELECT} WHERE library = ? AND key = ?`).get(library, key) as ItemRow | undefined;
    return row && toSummary(row);
  }

  async loadItems(library: string): Promise<StoredItem[]> {
    const rows = this.db.prepare('SELECT * FROM items WHERE library = ? ORDER BY key').all(library) as ItemRow[];
    return rows.map(toItem);
  }

  async changesSince(library: string, revision: number): Promise<LibraryChanges | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT revision FROM libraries WHERE id = ?').get(library) as { revision: number } | undefined;
      if (!row) return undefined;
      const put = this.db.prepare('SELECT * FROM items WHERE library = ? AND revision > ? ORDER BY key').all(library, revision) as ItemRow[];
      const removed = this.db.prepare('SELECT key FROM item_removals WHERE library = ? AND revision > ?').all(library, revision) as Array<{ key: string }>;
      return { revision: row.revision, put: put.map(toItem), removed: removed.map((r) => r.key) };
    })();
  }
}
