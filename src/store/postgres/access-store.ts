/** Accounts, access keys and the audit log in PostgreSQL. */
import type { AccessStore, AccountRecord, AuditEntry, AuditFilter, KeyRecord } from '../../access/store.js';
import { pageOf } from '../sql/paging.js';
import { AUDIT_INSERT, auditPage, auditValues, KEY_COLUMNS, toAccount, toAuditEntry, toKey, type AccountRow, type KeyRow } from '../sql/records.js';
import type { Database } from './database.js';

export class PgAccessStore implements AccessStore {
  constructor(private readonly db: Database) {}

  async createAccount(a: AccountRecord): Promise<boolean> {
    const sql = 'INSERT INTO accounts (name, created_at, callback_secret) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
    return (await this.db.run(sql, [a.name, a.createdAt, a.sealedCallbackSecret])) > 0;
  }

  async account(name: string): Promise<AccountRecord | undefined> {
    const row = await this.db.row<AccountRow>('SELECT * FROM accounts WHERE name = ?', [name]);
    return row && toAccount(row);
  }

  async accounts(): Promise<AccountRecord[]> {
    return (await this.db.rows<AccountRow>('SELECT * FROM accounts ORDER BY name')).map(toAccount);
  }

  async setCallbackSecret(name: string, sealed: string): Promise<void> {
    await this.db.run('UPDATE accounts SET callback_secret = ? WHERE name = ?', [sealed, name]);
  }

  async createKey(k: KeyRecord): Promise<void> {
    await this.db.run(`INSERT INTO access_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      k.id,
      k.account,
      k.description,
      k.policy,
      k.root,
      k.sealedSecret,
      k.tokenHash,
      k.rateLimit ?? null,
      k.createdAt,
    ]);
  }

  async key(id: string): Promise<KeyRecord | undefined> {
    const row = await this.db.row<KeyRow>('SELECT * FROM access_keys WHERE id = ?', [id]);
    return row && toKey(row);
  }

  async keyByTokenHash(hash: string): Promise<KeyRecord | undefined> {
    const row = await this.db.row<KeyRow>('SELECT * FROM access_keys WHERE token_hash = ?', [hash]);
    return row && toKey(row);
  }

  async keys(account?: string): Promise<KeyRecord[]> {
    const rows =
      account === undefined
        ? await this.db.rows<KeyRow>('SELECT * FROM access_keys ORDER BY account, created_at, id')
        : await this.db.rows<KeyRow>('SELECT * FROM access_keys WHERE account = ? ORDER BY created_at, id', [account]);
    return rows.map(toKey);
  }

  async updateKeyCredentials(id: string, tokenHash: string, sealedSecret: string): Promise<void> {
    await this.db.run('UPDATE access_keys SET token_hash = ?, secret = ?, revoked_at = NULL WHERE id = ?', [tokenHash, sealedSecret, id]);
  }

  async revokeKey(id: string, at: string): Promise<boolean> {
    return (await this.db.run('UPDATE access_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])) > 0;
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.db.run(AUDIT_INSERT, auditValues(e));
  }

  async auditLog(filter: AuditFilter): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const { sql, args } = auditPage(filter);
    const { page, nextCursor } = pageOf(await this.db.rows<Record<string, unknown> & { seq: number }>(sql, args), filter.limit);
    return { entries: page.map(toAuditEntry), ...(nextCursor && { nextCursor }) };
  }
}
