import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VdnaError } from '../../errors.js';
import type { ItemPage, ItemSummary, LibraryChanges, LibraryInfo, LibraryStore, MediaType, StoredItem } from '../store.js';
import { itemColumns, ITEM_COLUMNS, ITEM_PLACEHOLDERS, itemValues, LIBRARY_SUMMARY, SUMMARY_COLUMNS, toItem, toLibrary, toSummary, type ItemRow } from '../sql/items.js';

/** Counts a change of the library; its new revision. */
function nextRevision(db: Database.Database, library: string): number {
  const row = db.prepare('UPDATE libraries SET revision = revision + 1 WHERE id = ? RETURNING revision').get(library) as { revision: number } | undefined;
  if (!row) throw new VdnaError('UNKNOWN_LIBRARY', 'the library was deleted');
  return row.revision;
}

/** Stores an item; call it inside a transaction (it bumps the library's revision too). */
export function putItem(db: Database.Database, library: string, item: StoredItem, replace: boolean): void {
  const insert = db.prepare(`INSERT ${replace ? 'OR REPLACE' : ''} INTO items (${ITEM_COLUMNS}) VALUES (${ITEM_PLACEHOLDERS})`);
  try {
    const revision = nextRevision(db, library);
    db.prepare('DELETE FROM item_removals WHERE library = ? AND key = ?').run(library, item.key);
    insert.run(...itemValues(library, item, revision));
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

  private summaries(where: string, ...args: unknown[]): LibraryInfo[] {
    return (this.db.prepare(LIBRARY_SUMMARY(where)).all(...args) as Array<Record<string, unknown>>).map(toLibrary);
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
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM items WHERE library = ? ${page?.after !== undefined ? 'AND key > ?' : ''} ORDER BY key ${page ? 'LIMIT ?' : ''}`)
      .all(library, ...(page?.after !== undefined ? [page.after] : []), ...(page ? [page.limit] : [])) as ItemRow[];
    return rows.map(toSummary);
  }

  async itemSummary(library: string, key: string): Promise<ItemSummary | undefined> {
    const row = this.db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM items WHERE library = ? AND key = ?`).get(library, key) as ItemRow | undefined;
    return row && toSummary(row);
  }

  async loadItems(library: string): Promise<StoredItem[]> {
    const rows = this.db.prepare('SELECT * FROM items WHERE library = ? ORDER BY key').all(library) as ItemRow[];
    return rows.map(toItem);
  }

  async changesSince(library: string, revision: number, frames = true): Promise<LibraryChanges | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT revision FROM libraries WHERE id = ?').get(library) as { revision: number } | undefined;
      if (!row) return undefined;
      const put = this.db.prepare(`SELECT ${itemColumns(frames)} FROM items WHERE library = ? AND revision > ? ORDER BY key`).all(library, revision) as ItemRow[];
      const removed = this.db.prepare('SELECT key FROM item_removals WHERE library = ? AND revision > ?').all(library, revision) as Array<{ key: string }>;
      return { revision: row.revision, put: put.map(toItem), removed: removed.map((r) => r.key) };
    })();
  }
}
