/** The persistence contract of accounts, keys and the audit log (engines in store/<engine>/). */

export interface AccountRecord {
  name: string;
  createdAt: string;
  /** The HMAC key of this account's callback signatures, sealed with the master key. */
  sealedCallbackSecret: string;
}

export interface KeyRecord {
  /** The AccessKeyId: public, names the key in signatures, logs and the audit trail. */
  id: string;
  account: string;
  description: string;
  /** The policy document (JSON text). */
  policy: string;
  /** A root key also administers other accounts (accounts, their keys, their audit logs). */
  root: boolean;
  /** The AccessKeySecret, sealed with the master key (HMAC signatures need it in the clear). */
  sealedSecret: string;
  /** SHA-256 of the bearer token; the token itself is never stored. */
  tokenHash: string;
  /** Requests per second this key may make; undefined: the server's default. */
  rateLimit?: number;
  createdAt: string;
  revokedAt?: string;
}

export interface AuditEntry {
  time: string;
  account: string;
  keyId?: string;
  action: string;
  resource: string;
  /** Allowed (and done), Denied (by policy), or Failed (allowed, then an error with `code`). */
  outcome: 'Allowed' | 'Denied' | 'Failed';
  code?: string;
  requestId?: string;
}

export interface AuditFilter {
  /** Undefined: every account (root keys). */
  account?: string;
  since?: string;
  limit: number;
  cursor?: string;
}

export interface AccessStore {
  createAccount(account: AccountRecord): Promise<boolean>;
  account(name: string): Promise<AccountRecord | undefined>;
  accounts(): Promise<AccountRecord[]>;
  setCallbackSecret(name: string, sealed: string): Promise<void>;
  createKey(key: KeyRecord): Promise<void>;
  key(id: string): Promise<KeyRecord | undefined>;
  keyByTokenHash(hash: string): Promise<KeyRecord | undefined>;
  /** Keys of one account, or of every account. */
  keys(account?: string): Promise<KeyRecord[]>;
  /** Replaces a key's token and secret (an operator-given key that changed). */
  updateKeyCredentials(id: string, tokenHash: string, sealedSecret: string): Promise<void>;
  revokeKey(id: string, at: string): Promise<boolean>;
  audit(entry: AuditEntry): Promise<void>;
  auditLog(filter: AuditFilter): Promise<{ entries: AuditEntry[]; nextCursor?: string }>;
}
