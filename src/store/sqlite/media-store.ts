/** The media registry in the embedded engine's database. */
import type Database from 'better-sqlite3';
import type { MediaRecord, MediaStore } from '../media.js';
import { decodeCursor, pageOf } from './paging.js';

interface MediaRow {
  seq: number;
  id: string;
  account: string;
  title: string;
  input: string;
  file: string | null;
  size: number | null;
  created_at: string;
}

const toMedia = (r: MediaRow): MediaRecord => ({
  id: r.id,
  account: r.account,
  title: r.title,
  input: JSON.parse(r.input),
  ...(r.file !== null && { file: r.file }),
  ...(r.size !== null && { size: r.size }),
  createdAt: r.created_at,
});

export class SqliteMediaStore implements MediaStore {
  constructor(private readonly db: Database.Database) {}

  async add(m: MediaRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO media (id, account, title, input, file, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(m.id, m.account, m.title, JSON.stringify(m.input), m.file ?? null, m.size ?? null, m.createdAt);
  }

  async get(account: string, id: string): Promise<MediaRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM media WHERE id = ? AND account = ?').get(id, account) as MediaRow | undefined;
    return row && toMedia(row);
  }

  async byId(id: string): Promise<MediaRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM media WHERE id = ?').get(id) as MediaRow | undefined;
    return row && toMedia(row);
  }

  async list(account: string, page: { limit: number; cursor?: string }): Promise<{ media: MediaRecord[]; nextCursor?: string }> {
    const rows = this.db
      .prepare(`SELECT * FROM media WHERE account = ? ${page.cursor !== undefined ? 'AND seq < ?' : ''} ORDER BY seq DESC LIMIT ?`)
      .all(account, ...(page.cursor !== undefined ? [decodeCursor(page.cursor)] : []), page.limit + 1) as MediaRow[];
    const { page: shown, nextCursor } = pageOf(rows, page.limit);
    return { media: shown.map(toMedia), ...(nextCursor && { nextCursor }) };
  }

  async remove(account: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM media WHERE id = ? AND account = ?').run(id, account).changes > 0;
  }
}
