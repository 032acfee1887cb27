/**
 * Accounts, access keys, authentication and the audit log. A key is an AccessKeyId with two
 * credentials: an AccessKeySecret for HMAC-signed requests (kept sealed with the master key, since
 * verifying a signature needs it) and a bearer token (kept only as its SHA-256). Every admin call is
 * checked against the caller's policy; only root keys reach other accounts, and to anyone else
 * another account is a missing one.
 */
import { ACTION_NAMES, ACTIONS } from '../access/actions.js';
import { DEFAULT_ACCOUNT, type Caller } from '../access/caller.js';
import { ADMIN_POLICY, parsePolicy, type Policy } from '../access/policy.js';
import { presign, verifyPresigned } from '../access/presign.js';
import { RateLimiter } from '../access/rate-limit.js';
import { NonceCache, parseAuthorization, verifyRequest } from '../access/request-signature.js';
import { hashToken, newAccessKeyId, newSecret, newToken, safeEqual, SecretBox } from '../access/secrets.js';
import type { AccessStore, AccountRecord, AuditEntry, KeyRecord } from '../access/store.js';
import { VdnaError } from '../errors.js';
import type { Guard } from './guard.js';
import { checkName } from './names.js';
import { pageLimit } from './paging.js';

export interface AccessConfig {
  /** Requests per second per key, unless the key sets its own; 0: unlimited. */
  rateLimit: number;
  /** Seconds a presigned result URL stays valid. */
  resultUrlTtlSeconds: number;
}

/** A key as created: the only time its secret and token are shown. */
export interface NewKey {
  id: string;
  account: string;
  secret: string;
  token: string;
  root: boolean;
  policy: Policy;
}

export interface KeySpec {
  account: string;
  description?: string;
  /** A policy document; absent with `admin`. */
  policy?: unknown;
  /** Allow everything in the account. */
  admin?: boolean;
  /** Also administer other accounts (root callers only). */
  root?: boolean;
  rateLimit?: number;
}

/** A request as the native door received it, for an HMAC-signed call. */
export interface SignedRequest {
  method: string;
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A fixed id for the key given as VDNA_ADMIN_KEY, so that a changed value replaces it. */
const ENV_ADMIN_KEY_ID = 'VDNAENVADMIN';
const ACCESS_KEY_ID = /^[A-Za-z0-9_-]{8,64}$/;

export class AccessService {
  private readonly limiter: RateLimiter;
  private readonly nonces = new NonceCache();
  private readonly resultKey: Buffer;
  private readonly policies = new Map<string, { text: string; policy: Policy }>();

  constructor(
    private readonly store: AccessStore,
    private readonly box: SecretBox,
    private readonly guard: Guard,
    private readonly cfg: AccessConfig,
  ) {
    this.limiter = new RateLimiter(cfg.rateLimit);
    this.resultKey = box.derive('presigned-result-url');
  }

  // ---- first start and operator-given keys ----

  /** Creates the account if it is new (with a callback secret: `callbackSecret`, else a random one). */
  async ensureAccount(name: string, callbackSecret?: string): Promise<AccountRecord> {
    checkName('account', name);
    await this.store.createAccount({ name, createdAt: new Date().toISOString(), sealedCallbackSecret: this.box.seal(callbackSecret ?? newSecret()) });
    return (await this.store.account(name))!;
  }

  /**
   * Brings the operator's settings in: the default account, VDNA_ADMIN_KEY (a root admin token),
   * VDNA_ACCESS_KEYS (ACCOUNT:KEYID:SECRET, each an admin of its account). With no usable key at
   * all, makes a root admin key of the default account and returns it (to be shown once).
   */
  async bootstrap(opts: { adminToken?: string; accessKeys?: string; defaultCallbackSecret?: string }): Promise<NewKey | undefined> {
    await this.ensureAccount(DEFAULT_ACCOUNT, opts.defaultCallbackSecret);
    if (opts.defaultCallbackSecret) await this.store.setCallbackSecret(DEFAULT_ACCOUNT, this.box.seal(opts.defaultCallbackSecret));
    if (opts.adminToken) {
      if (opts.adminToken.length < 16) throw new VdnaError('INVALID_ARGUMENT', 'VDNA_ADMIN_KEY must be at least 16 characters');
      await this.upsertKey(ENV_ADMIN_KEY_ID, DEFAULT_ACCOUNT, opts.adminToken, hashToken(opts.adminToken), true, 'VDNA_ADMIN_KEY');
    } else {
      // VDNA_ADMIN_KEY was taken away: the token it gave stops working (a no-op when there was none).
      await this.store.revokeKey(ENV_ADMIN_KEY_ID, new Date().toISOString());
    }
    for (const entry of (opts.accessKeys ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const [account, id, ...rest] = entry.split(':');
      const secret = rest.join(':');
      if (!account || !id || !secret || !ACCESS_KEY_ID.test(id)) {
        throw new VdnaError('INVALID_ARGUMENT', 'VDNA_ACCESS_KEYS is ACCOUNT:KEYID:SECRET[,...] (key ids of 8-64 letters, digits, _ or -)');
      }
      await this.ensureAccount(account);
      // These pairs sign requests; their bearer form is a token nobody holds.
      await this.upsertKey(id, account, secret, hashToken(newToken(id)), false, 'VDNA_ACCESS_KEYS');
    }
    if ((await this.store.keys()).some((k) => !k.revokedAt)) return undefined;
    return this.makeKey({ account: DEFAULT_ACCOUNT, admin: true, root: true, description: 'made on first start' });
  }

  private async upsertKey(id: string, account: string, secret: string, tokenHash: string, root: boolean, description: string): Promise<void> {
    const existing = await this.store.key(id);
    if (existing && existing.account !== account) throw new VdnaError('INVALID_ARGUMENT', `key ${id} belongs to account ${existing.account}`);
    if (existing) {
      // A revoked key stays revoked until the operator gives it new credentials.
      const same = existing.tokenHash === tokenHash || this.box.open(existing.sealedSecret) === secret;
      if (!same) await this.store.updateKeyCredentials(id, tokenHash, this.box.seal(secret));
      return;
    }
    await this.store.createKey({
      id,
      account,
      description,
      policy: JSON.stringify(ADMIN_POLICY),
      root,
      sealedSecret: this.box.seal(secret),
      tokenHash,
      createdAt: new Date().toISOString(),
    });
  }

  private async makeKey(spec: KeySpec): Promise<NewKey> {
    const policy = spec.admin ? ADMIN_POLICY : spec.policy !== undefined ? parsePolicy(spec.policy) : undefined;
    if (!policy) throw new VdnaError('INVALID_ARGUMENT', 'give the key a policy, or make it an admin of its account');
    if (spec.admin && spec.policy !== undefined) throw new VdnaError('INVALID_ARGUMENT', 'give either a policy or admin, not both');
    if (spec.rateLimit !== undefined && !(spec.rateLimit >= 0)) throw new VdnaError('INVALID_ARGUMENT', 'a rate limit is a number of requests per second, 0 for none');
    const id = newAccessKeyId();
    const secret = newSecret();
    const token = newToken(id);
    await this.store.createKey({
      id,
      account: spec.account,
      description: (spec.description ?? '').slice(0, 256),
      policy: JSON.stringify(policy),
      root: spec.root ?? false,
      sealedSecret: this.box.seal(secret),
      tokenHash: hashToken(token),
      ...(spec.rateLimit !== undefined && { rateLimit: spec.rateLimit }),
      createdAt: new Date().toISOString(),
    });
    return { id, account: spec.account, secret, token, root: spec.root ?? false, policy };
  }

  // ---- authentication ----

  private policyOf(key: KeyRecord): Policy {
    const cached = this.policies.get(key.id);
    if (cached?.text === key.policy) return cached.policy;
    const policy = parsePolicy(key.policy);
    this.policies.set(key.id, { text: key.policy, policy });
    return policy;
  }

  /** The caller acting with a key (a door that checked the key's signature itself); a revoked key is refused. */
  callerOf(key: KeyRecord, requestId?: string): Caller {
    if (key.revokedAt) throw new VdnaError('UNAUTHENTICATED', 'this key was revoked');
    return {
      account: key.account,
      keyId: key.id,
      root: key.root,
      policy: this.policyOf(key),
      ...(key.rateLimit !== undefined && { rateLimit: key.rateLimit }),
      ...(requestId && { requestId }),
    };
  }

  /** The caller behind a bearer token; keys are read on every call, so a revocation holds at once. */
  async authenticateToken(token: string, requestId?: string): Promise<Caller> {
    const hash = hashToken(token);
    const key = await this.store.keyByTokenHash(hash);
    if (!key || !safeEqual(key.tokenHash, hash)) throw new VdnaError('UNAUTHENTICATED', 'unknown API key');
    return this.callerOf(key, requestId);
  }

  /** An access key and its secret in the clear, for a door that verifies a signature itself. */
  async signingKey(accessKeyId: string): Promise<{ key: KeyRecord; secret: string } | undefined> {
    const key = await this.store.key(accessKeyId);
    return key && { key, secret: this.box.open(key.sealedSecret) };
  }

  /** Whether a (key, nonce) pair is new; a reused one is a replayed request. */
  useNonce(keyId: string, nonce: string): boolean {
    return this.nonces.use(keyId, nonce);
  }

  /** The caller behind a native HMAC-signed request (VDNA-HMAC-SHA256); undefined if it is not one. */
  async authenticateSigned(req: SignedRequest, requestId?: string): Promise<Caller | undefined> {
    const header = req.headers.authorization;
    const parsed = typeof header === 'string' ? parseAuthorization(header) : undefined;
    if (!parsed) return undefined;
    const found = await this.signingKey(parsed.accessKeyId);
    if (!found) throw new VdnaError('UNAUTHENTICATED', 'unknown access key id');
    verifyRequest({ method: req.method, rawUrl: req.rawUrl, headers: req.headers, secret: found.secret, parsed });
    if (!this.useNonce(found.key.id, String(req.headers['x-vdna-nonce']))) {
      throw new VdnaError('UNAUTHENTICATED', 'this request was already received (its nonce is used)');
    }
    return this.callerOf(found.key, requestId);
  }

  /** Throws Throttling when the caller's key is over its rate. */
  throttle(caller: Caller): void {
    if (!caller.keyId) return;
    const verdict = this.limiter.take(caller.keyId, caller.rateLimit);
    if (!verdict.ok) {
      throw new VdnaError('Throttling', `this key is over its rate limit; retry in ${verdict.retryAfterSeconds.toFixed(1)} s`);
    }
  }

  /**
   * What the caller's own policy says of each action, on a resource (`library/films`) or, without one,
   * on some resource of the action's kind: what a page asks to hide what its key may not do. An
   * unknown action is never allowed. Nothing is disclosed that trying the call would not tell.
   */
  permissions(caller: Caller, checks: { action: string; resource?: string }[]): boolean[] {
    const byName = new Map(ACTION_NAMES.map((name) => [name.toLowerCase(), name]));
    return checks.map(({ action, resource }) => {
      const known = byName.get(action.toLowerCase());
      if (!known) return false;
      return resource === undefined ? this.guard.allowsSome(caller, known, ACTIONS[known].resource) : this.guard.allowed(caller, known, resource);
    });
  }

  // ---- presigned result URLs and callback secrets ----

  /**
   * When a presigned URL handed out now expires (VDNA_RESULT_URL_TTL_S from now, to the second): vdna's
   * own, and object storage's (which the services ask for with it).
   */
  urlExpiry(): Date {
    return new Date((Math.floor(Date.now() / 1000) + this.cfg.resultUrlTtlSeconds) * 1000);
  }

  /** `path?Expires=...&Signature=...`: fetchable without a key until it expires. */
  presignPath(path: string, expiresAt = this.urlExpiry()): string {
    return `${path}?${presign(this.resultKey, path, expiresAt.getTime() / 1000)}`;
  }

  checkPresigned(path: string, query: { Expires?: unknown; Signature?: unknown }): 'valid' | 'absent' | 'expired' | 'invalid' {
    return verifyPresigned(this.resultKey, path, query);
  }

  /** The HMAC key of an account's callback signatures. */
  async callbackSecret(account: string): Promise<string> {
    const record = await this.store.account(account);
    if (!record) throw new VdnaError('UNKNOWN_ACCOUNT', `no account named "${account}"`);
    return this.box.open(record.sealedCallbackSecret);
  }

  // ---- administration ----

  /** The account a caller may administer (another account is missing unless the caller is root). */
  private async reachable(caller: Caller, name: string): Promise<AccountRecord> {
    const record = caller.root || name === caller.account ? await this.store.account(name) : undefined;
    if (!record) throw new VdnaError('UNKNOWN_ACCOUNT', `no account named "${name}"`);
    return record;
  }

  createAccount(caller: Caller, name: string): Promise<{ account: AccountRecord; callbackSecret: string }> {
    return this.guard.run(caller, 'vdna:CreateAccount', `account/${name}`, async () => {
      if (!caller.root) throw new VdnaError('ACCESS_DENIED', 'only a root key may create accounts');
      checkName('account', name);
      const callbackSecret = newSecret();
      const created = await this.store.createAccount({ name, createdAt: new Date().toISOString(), sealedCallbackSecret: this.box.seal(callbackSecret) });
      if (!created) throw new VdnaError('DUPLICATE_ACCOUNT', `an account named "${name}" exists`);
      return { account: (await this.store.account(name))!, callbackSecret };
    }, name);
  }

  async listAccounts(caller: Caller): Promise<AccountRecord[]> {
    const all = caller.root ? await this.store.accounts() : [await this.reachable(caller, caller.account)];
    return all.filter((a) => this.guard.allowed(caller, 'vdna:ListAccounts', `account/${a.name}`));
  }

  /** An account, with its callback secret if the caller may read it (vdna:GetCallbackSecret). */
  async getAccount(caller: Caller, name: string): Promise<{ account: AccountRecord; callbackSecret?: string }> {
    await this.guard.check(caller, 'vdna:GetAccount', `account/${name}`);
    const account = await this.reachable(caller, name);
    const secret = this.guard.allowed(caller, 'vdna:GetCallbackSecret', `account/${name}`);
    return { account, ...(secret && { callbackSecret: this.box.open(account.sealedCallbackSecret) }) };
  }

  createKey(caller: Caller, spec: KeySpec): Promise<NewKey> {
    return this.guard.run(caller, 'vdna:CreateKey', `account/${spec.account}`, async () => {
      await this.reachable(caller, spec.account);
      if (spec.root && !caller.root) throw new VdnaError('ACCESS_DENIED', 'only a root key may create root keys');
      // A key never makes a key wider than itself: only a key that may do everything makes keys.
      if (!this.guard.isAdmin(caller)) throw new VdnaError('ACCESS_DENIED', 'only a key that may do everything in its account (an admin) may create keys');
      if (!caller.root && spec.rateLimit !== undefined && (spec.rateLimit === 0 || (this.cfg.rateLimit > 0 && spec.rateLimit > this.cfg.rateLimit))) {
        throw new VdnaError('ACCESS_DENIED', `only a root key may lift a key's rate above the server's (${this.cfg.rateLimit}/s)`);
      }
      return this.makeKey(spec);
    }, spec.account);
  }

  async listKeys(caller: Caller, account?: string): Promise<KeyRecord[]> {
    // One account (the one asked for, else the caller's), or every account for a root key that names none.
    const scope = account !== undefined ? (await this.reachable(caller, account)).name : caller.root ? undefined : caller.account;
    const keys = await this.store.keys(scope);
    return keys.filter((k) => this.guard.allowed(caller, 'vdna:ListKeys', `account/${k.account}`));
  }

  async revokeKey(caller: Caller, id: string): Promise<KeyRecord> {
    // Another account's key is a missing one, unless the caller is root; its revocation is that account's to audit.
    const found = await this.store.key(id);
    const key = found && (caller.root || found.account === caller.account) ? found : undefined;
    return this.guard.run(caller, 'vdna:RevokeKey', `key/${id}`, async () => {
      if (!key) throw new VdnaError('UNKNOWN_KEY_ID', `no key ${id}`);
      if (key.root && !caller.root) throw new VdnaError('ACCESS_DENIED', 'only a root key may revoke a root key');
      await this.store.revokeKey(id, new Date().toISOString());
      this.policies.delete(id);
      return (await this.store.key(id))!;
    }, key?.account ?? caller.account);
  }

  /** Audit entries, newest first: the caller's account, or (root) any or every account. */
  async auditLog(caller: Caller, q: { account?: string; since?: string; limit?: number; cursor?: string }): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const account = q.account ?? (caller.root ? undefined : caller.account);
    if (account !== undefined) await this.reachable(caller, account);
    await this.guard.check(caller, 'vdna:ReadAuditLog', `account/${account ?? '*'}`);
    return this.store.auditLog({ account, since: q.since, limit: pageLimit(q.limit, 100, 1000, 'entries'), cursor: q.cursor });
  }

  /** Whether the caller may read the metrics: they are the whole server's, so root keys only. */
  async checkMetrics(caller: Caller): Promise<void> {
    await this.guard.check(caller, 'vdna:ReadMetrics', 'system/metrics');
    if (!caller.root) throw new VdnaError('ACCESS_DENIED', 'the metrics are the whole server\'s: only a root key may read them');
  }
}
