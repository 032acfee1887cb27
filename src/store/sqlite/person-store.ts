/** The person registry in the embedded engine's database. */
import type Database from 'better-sqlite3';
import type { PersonRecord, PersonStore } from '../persons.js';
import { toPerson, type PersonRow } from '../sql/records.js';

export class SqlitePersonStore implements PersonStore {
  constructor(private readonly db: Database.Database) {}

  async addDescriptors(account: string, name: string, descriptors: number[][]): Promise<PersonRecord> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM persons WHERE account = ? AND name = ?').get(account, name) as PersonRow | undefined;
      const all = [...(row ? toPerson(row).descriptors : []), ...descriptors];
      this.db
        .prepare('INSERT INTO persons (account, name, descriptors, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (account, name) DO UPDATE SET descriptors = excluded.descriptors')
        .run(account, name, JSON.stringify(all), row?.created_at ?? new Date().toISOString());
      return toPerson(this.db.prepare('SELECT * FROM persons WHERE account = ? AND name = ?').get(account, name) as PersonRow);
    }).immediate();
  }

  async persons(account: string): Promise<PersonRecord[]> {
    return (this.db.prepare('SELECT * FROM persons WHERE account = ? ORDER BY name').all(account) as PersonRow[]).map(toPerson);
  }

  async remove(account: string, name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM persons WHERE account = ? AND name = ?').run(account, name).changes > 0;
  }
}
