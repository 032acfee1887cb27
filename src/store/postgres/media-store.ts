/** The media registry in PostgreSQL. */
import type { MediaRecord, MediaStore } from '../media.js';
import { accountPage, pageOf } from '../sql/paging.js';
import { MEDIA_INSERT, mediaValues, toMedia, type MediaRow } from '../sql/records.js';
import type { Database } from './database.js';

export class PgMediaStore implements MediaStore {
  constructor(private readonly db: Database) {}

  async add(m: MediaRecord): Promise<void> {
    await this.db.run(MEDIA_INSERT, mediaValues(m));
  }

  async get(account: string, id: string): Promise<MediaRecord | undefined> {
    const row = await this.db.row<MediaRow>('SELECT * FROM media WHERE id = ? AND account = ?', [id, account]);
    return row && toMedia(row);
  }

  async byId(id: string): Promise<MediaRecord | undefined> {
    const row = await this.db.row<MediaRow>('SELECT * FROM media WHERE id = ?', [id]);
    return row && toMedia(row);
  }

  async list(account: string, page: { limit: number; cursor?: string }): Promise<{ media: MediaRecord[]; nextCursor?: string }> {
    const { sql, args } = accountPage('media', account, page);
    const { page: shown, nextCursor } = pageOf(await this.db.rows<MediaRow>(sql, args), page.limit);
    return { media: shown.map(toMedia), ...(nextCursor && { nextCursor }) };
  }

  async remove(account: string, id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM media WHERE id = ? AND account = ?', [id, account])) > 0;
  }
}
