/** The media registry in the embedded engine's database. */
import type Database from 'better-sqlite3';
import type { MediaRecord, MediaStore } from '../media.js';
import { accountPage, pageOf } from '../sql/paging.js';
import { MEDIA_INSERT, mediaValues, toMedia, type MediaRow } from '../sql/records.js';

export class SqliteMediaStore implements MediaStore {
  constructor(private readonly db: Database.Database) {}

  async add(m: MediaRecord): Promise<void> {
    this.db.prepare(MEDIA_INSERT).run(...mediaValues(m));
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
    const { sql, args } = accountPage('media', account, page);
    const { page: shown, nextCursor } = pageOf(this.db.prepare(sql).all(...args) as MediaRow[], page.limit);
    return { media: shown.map(toMedia), ...(nextCursor && { nextCursor }) };
  }

  async remove(account: string, id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM media WHERE id = ? AND account = ?').run(id, account).changes > 0;
  }
}
