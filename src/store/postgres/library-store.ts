/**
 * Libraries and their items in PostgreSQL. A change bumps its library's revision with an UPDATE, which
 * locks the library's row until the transaction commits: writers of one library take revisions one
 * after the other, in commit order, so a reader that saw revision r has seen every change up to r.
 */
import { randomBytes } from 'node:crypto';
import { VdnaError } from '../../errors.js';
import { itemColumns, ITEM_COLUMNS, ITEM_PLACEHOLDERS, itemValues, LIBRARY_SUMMARY, SUMMARY_COLUMNS, toItem, toLibrary, toSummary, type ItemRow } from '../sql/items.js';
import type { ItemPage, ItemSummary, LibraryChanges, LibraryInfo, LibraryStore, MediaType, StoredItem } from '../store.js';
import type { Database, Sql } from './database.js';
import { createFramePartition, deleteFrameKeys, framePartition, writeFrameKeys } from './frame-keys.js';

/** Counts a change of the library; its new revision, and the library's number. */
async function nextRevision(tx: Sql, library: string): Promise<{ revision: number; num: number }> {
  const row = await tx.row<{ revision: number; num: number }>('UPDATE libraries SET revision = revision + 1 WHERE id = ? RETURNING revision, num', [library]);
  if (!row) throw new VdnaError('UNKNOWN_LIBRARY', 'the library was deleted');
  return row;
}

/** Every item column but the key's, as `ON CONFLICT … DO UPDATE` sets it (a replace). */
const REPLACE_SET = ITEM_COLUMNS.split(', ')
  .filter((c) => c !== 'library' && c !== 'key')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

/** Stores an item and its frame keys; call it inside a transaction (it bumps the library's revision too). */
export async function putItem(tx: Sql, library: string, item: StoredItem, replace: boolean): Promise<void> {
  const { revision, num } = await nextRevision(tx, library);
  await tx.run('DELETE FROM item_removals WHERE library = ? AND key = ?', [library, item.key]);
  if (replace) await deleteFrameKeys(tx, num, (await tx.rows<{ num: number }>('SELECT num FROM items WHERE library = ? AND key = ?', [library, item.key])).map((r) => r.num));
  let stored: { num: number } | undefined;
  try {
    stored = await tx.row<{ num: number }>(
      `INSERT INTO items (${ITEM_COLUMNS}) VALUES (${ITEM_PLACEHOLDERS}) ${replace ? `ON CONFLICT (library, key) DO UPDATE SET ${REPLACE_SET}` : ''} RETURNING num`,
      itemValues(library, item, revision),
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new VdnaError('DUPLICATE_KEY', `key "${item.key}" already exists in this library`);
    throw err;
  }
  await writeFrameKeys(tx, num, stored!.num, item);
}

/** Removes keys; true for each key that existed. Call it inside a transaction. */
export async function removeItems(tx: Sql, library: string, keys: string[]): Promise<boolean[]> {
  const removed: boolean[] = [];
  const items: number[] = [];
  for (const key of keys) {
    const row = await tx.row<{ num: number }>('DELETE FROM items WHERE library = ? AND key = ? RETURNING num', [library, key]);
    removed.push(row !== undefined);
    if (row) items.push(row.num);
  }
  if (items.length) {
    const { revision, num } = await nextRevision(tx, library);
    await deleteFrameKeys(tx, num, items);
    for (const [i, key] of keys.entries()) {
      if (removed[i]) {
        await tx.run('INSERT INTO item_removals (library, key, revision) VALUES (?, ?, ?) ON CONFLICT (library, key) DO UPDATE SET revision = excluded.revision', [
          library,
          key,
          revision,
        ]);
      }
    }
  }
  return removed;
}

export class PgLibraryStore implements LibraryStore {
  constructor(private readonly db: Database) {}

  private async summaries(where: string, ...args: unknown[]): Promise<LibraryInfo[]> {
    return (await this.db.rows(LIBRARY_SUMMARY(where), args)).map(toLibrary);
  }

  async libraries(account: string): Promise<LibraryInfo[]> {
    return this.summaries('l.account = ?', account);
  }

  async library(account: string, name: string): Promise<LibraryInfo | undefined> {
    return (await this.summaries('l.account = ? AND l.name = ?', account, name))[0];
  }

  async libraryById(id: string): Promise<LibraryInfo | undefined> {
    return (await this.summaries('l.id = ?', id))[0];
  }

  async createLibrary(account: string, name: string, mediaType: MediaType, description = ''): Promise<LibraryInfo | undefined> {
    const id = randomBytes(16).toString('hex');
    const created = await this.db.transaction(async (tx) => {
      const row = await tx.row<{ num: number }>(
        'INSERT INTO libraries (id, account, name, media_type, description, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING num',
        [id, account, name, mediaType, description, new Date().toISOString()],
      );
      if (row) await createFramePartition(tx, row.num);
      return row !== undefined;
    });
    return created ? this.libraryById(id) : undefined;
  }

  /** Drops the library's frame keys with it (its partition: no row by row delete). */
  async deleteLibrary(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await tx.row<{ num: number }>('DELETE FROM libraries WHERE id = ? RETURNING num', [id]);
      if (row) await tx.run(`DROP TABLE IF EXISTS ${framePartition(row.num)}`);
      return row !== undefined;
    });
  }

  async hasItem(library: string, key: string): Promise<boolean> {
    return (await this.db.row('SELECT 1 FROM items WHERE library = ? AND key = ?', [library, key])) !== undefined;
  }

  async putItem(library: string, item: StoredItem, replace: boolean): Promise<void> {
    await this.db.transaction((tx) => putItem(tx, library, item, replace));
  }

  async removeItems(library: string, keys: string[]): Promise<boolean[]> {
    return this.db.transaction((tx) => removeItems(tx, library, keys));
  }

  async listItems(library: string, page?: ItemPage): Promise<ItemSummary[]> {
    const rows = await this.db.rows<ItemRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM items WHERE library = ? ${page?.after !== undefined ? 'AND key > ?' : ''} ORDER BY key ${page ? 'LIMIT ?' : ''}`,
      [library, ...(page?.after !== undefined ? [page.after] : []), ...(page ? [page.limit] : [])],
    );
    return rows.map(toSummary);
  }

  async itemSummary(library: string, key: string): Promise<ItemSummary | undefined> {
    const row = await this.db.row<ItemRow>(`SELECT ${SUMMARY_COLUMNS} FROM items WHERE library = ? AND key = ?`, [library, key]);
    return row && toSummary(row);
  }

  async loadItems(library: string): Promise<StoredItem[]> {
    return (await this.db.rows<ItemRow>('SELECT * FROM items WHERE library = ? ORDER BY key', [library])).map(toItem);
  }

  /** One snapshot (REPEATABLE READ) for the revision and the changes: a commit in between is in neither or both. */
  async changesSince(library: string, revision: number, frames = true): Promise<LibraryChanges | undefined> {
    return this.db.transaction(async (tx) => {
      const row = await tx.row<{ revision: number }>('SELECT revision FROM libraries WHERE id = ?', [library]);
      if (!row) return undefined;
      const put = await tx.rows<ItemRow>(`SELECT ${itemColumns(frames)} FROM items WHERE library = ? AND revision > ? ORDER BY key`, [library, revision]);
      const removed = await tx.rows<{ key: string }>('SELECT key FROM item_removals WHERE library = ? AND revision > ?', [library, revision]);
      return { revision: row.revision, put: put.map(toItem), removed: removed.map((r) => r.key) };
    }, 'REPEATABLE READ');
  }
}
