/** Accounts, access keys and the audit log in the embedded engine's database. */
import type Database from 'better-sqlite3';
import type { AccessStore, AccountRecord, AuditEntry, AuditFilter, KeyRecord } from '../../access/store.js';
import { pageOf } from '../sql/paging.js';
import { AUDIT_INSERT, auditPage, auditValues, KEY_COLUMNS, toAccount, toAuditEntry, toKey, type AccountRow, type KeyRow } from '../sql/records.js';

export class SqliteAccessStore implements AccessStore {
  constructor(private readonly db: Database.Database) {}

  async createAccount(a: AccountRecord): Promise<boolean> {
    const sql = 'INSERT OR IGNORE INTO accounts (name, created_at, callback_secret) VALUES (?, ?, ?)';
    return this.db.prepare(sql).run(a.name, a.createdAt, a.sealedCallbackSecret).changes > 0;
  }

  async account(name: string): Promise<AccountRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name) as AccountRow | undefined;
    return row && toAccount(row);
  }

  async accounts(): Promise<AccountRecord[]> {
    return (this.db.prepare('SELECT * FROM accounts ORDER BY name').all() as AccountRow[]).map(toAccount);
  }

  async setCallbackSecret(name: string, sealed: string): Promise<void> {
    this.db.prepare('UPDATE accounts SET callback_secret = ? WHERE name = ?').run(sealed, name);
  }

  async createKey(k: KeyRecord): Promise<void> {
    this.db
      .prepare(`INSERT INTO access_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(k.id, k.account, k.description, k.policy, k.root ? 1 : 0, k.sealedSecret, k.tokenHash, k.rateLimit ?? null, k.createdAt);
  }

  async key(id: string): Promise<KeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM access_keys WHERE id = ?').get(id) as KeyRow | undefined;
    return row && toKey(row);
  }

  async keyByTokenHash(hash: string): Promise<KeyRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM access_keys WHERE token_hash = ?').get(hash) as KeyRow | undefined;
    return row && toKey(row);
  }

  async keys(account?: string): Promise<KeyRecord[]> {
    const rows = (
      account === undefined
        ? this.db.prepare('SELECT * FROM access_keys ORDER BY account, created_at, id').all()
        : this.db.prepare('SELECT * FROM access_keys WHERE account = ? ORDER BY created_at, id').all(account)
    ) as KeyRow[];
    return rows.map(toKey);
  }

  async updateKeyCredentials(id: string, tokenHash: string, sealedSecret: string): Promise<void> {
    this.db.prepare('UPDATE access_keys SET token_hash = ?, secret = ?, revoked_at = NULL WHERE id = ?').run(tokenHash, sealedSecret, id);
  }

  async revokeKey(id: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE access_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }

  async audit(e: AuditEntry): Promise<void> {
    this.db.prepare(AUDIT_INSERT).run(...auditValues(e));
  }

  async auditLog(filter: AuditFilter): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const { sql, args } = auditPage(filter);
    const { page, nextCursor } = pageOf(this.db.prepare(sql).all(...args) as Array<Record<string, unknown> & { seq: number }>, filter.limit);
    return { entries: page.map(toAuditEntry), ...(nextCursor && { nextCursor }) };
  }
}
