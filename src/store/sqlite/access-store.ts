/** Accounts, access keys and the audit log in the embedded engine's database. */
import type Database from 'better-sqlite3';
import type { AccessStore, AccountRecord, AuditEntry, AuditFilter, KeyRecord } from '../../access/store.js';
import { decodeCursor, pageOf } from './paging.js';

interface KeyRow {
  id: string;
  account: string;
  description: string;
  policy: string;
  root: number;
  secret: string;
  token_hash: string;
  rate_limit: number | null;
  created_at: string;
  revoked_at: string | null;
}

const toKey = (r: KeyRow): KeyRecord => ({
  id: r.id,
  account: r.account,
  description: r.description,
  policy: r.policy,
  root: r.root === 1,
  sealedSecret: r.secret,
  tokenHash: r.token_hash,
  ...(r.rate_limit !== null && { rateLimit: r.rate_limit }),
  createdAt: r.created_at,
  ...(r.revoked_at !== null && { revokedAt: r.revoked_at }),
});

const toAccount = (r: { name: string; created_at: string; callback_secret: string }): AccountRecord => ({
  name: r.name,
  createdAt: r.created_at,
  sealedCallbackSecret: r.callback_secret,
});

export class SqliteAccessStore implements AccessStore {
  constructor(private readonly db: Database.Database) {}

  async createAccount(a: AccountRecord): Promise<boolean> {
    const sql = 'INSERT OR IGNORE INTO accounts (name, created_at, callback_secret) VALUES (?, ?, ?)';
    return this.db.prepare(sql).run(a.name, a.createdAt, a.sealedCallbackSecret).changes > 0;
  }

  async account(name: string): Promise<AccountRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name) as Parameters<typeof toAccount>[0] | undefined;
    return row && toAccount(row);
  }

  async accounts(): Promise<AccountRecord[]> {
    return (this.db.prepare('SELECT * FROM accounts ORDER BY name').all() as Array<Parameters<typeof toAccount>[0]>).map(toAccount);
  }

  async setCallbackSecret(name: string, sealed: string): Promise<void> {
    this.db.prepare('UPDATE accounts SET callback_secret = ? WHERE name = ?').run(sealed, name);
  }

  async createKey(k: KeyRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO access_keys (id, account, description, policy, root, secret, token_hash, rate_limit, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
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
    this.db
      .prepare('INSERT INTO audit_log (time, account, key_id, action, resource, outcome, code, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.time, e.account, e.keyId ?? null, e.action, e.resource, e.outcome, e.code ?? null, e.requestId ?? null);
  }

  async auditLog(filter: AuditFilter): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.account !== undefined) where.push('account = ?'), args.push(filter.account);
    if (filter.since !== undefined) where.push('time >= ?'), args.push(filter.since);
    if (filter.cursor !== undefined) where.push('seq < ?'), args.push(decodeCursor(filter.cursor));
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...args, filter.limit + 1) as Array<Record<string, unknown> & { seq: number }>;
    const { page, nextCursor } = pageOf(rows, filter.limit);
    return {
      entries: page.map((r) => ({
        time: r.time as string,
        account: r.account as string,
        ...(r.key_id !== null && { keyId: r.key_id as string }),
        action: r.action as string,
        resource: r.resource as string,
        outcome: r.outcome as AuditEntry['outcome'],
        ...(r.code !== null && { code: r.code as string }),
        ...(r.request_id !== null && { requestId: r.request_id as string }),
      })),
      ...(nextCursor && { nextCursor }),
    };
  }
}
