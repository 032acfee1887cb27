/** The person registry in PostgreSQL. */
import type { PersonRecord, PersonStore } from '../persons.js';
import { toPerson, type PersonRow } from '../sql/records.js';
import type { Database } from './database.js';

export class PgPersonStore implements PersonStore {
  constructor(private readonly db: Database) {}

  /** One statement: two processes adding to one person at once both keep their descriptors (jsonb arrays concatenate). */
  async addDescriptors(account: string, name: string, descriptors: number[][]): Promise<PersonRecord> {
    const row = await this.db.row<PersonRow>(
      `INSERT INTO persons (account, name, descriptors, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (account, name) DO UPDATE SET descriptors = (persons.descriptors::jsonb || excluded.descriptors::jsonb)::text
       RETURNING *`,
      [account, name, JSON.stringify(descriptors), new Date().toISOString()],
    );
    return toPerson(row!);
  }

  async persons(account: string): Promise<PersonRecord[]> {
    return (await this.db.rows<PersonRow>('SELECT * FROM persons WHERE account = ? ORDER BY name', [account])).map(toPerson);
  }

  async remove(account: string, name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM persons WHERE account = ? AND name = ?', [account, name])) > 0;
  }
}
