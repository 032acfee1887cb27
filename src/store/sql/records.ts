/** Accounts, keys, the audit log, media, persons and faces as rows, for both SQL engines. */
import type { AccountRecord, AuditEntry, AuditFilter, KeyRecord } from '../../access/store.js';
import type { FaceRecord } from '../faces.js';
import type { MediaRecord } from '../media.js';
import type { PersonRecord } from '../persons.js';
import { decodeCursor } from './paging.js';

export interface KeyRow {
  id: string;
  account: string;
  description: string;
  policy: string;
  root: number | boolean;
  secret: string;
  token_hash: string;
  rate_limit: number | null;
  created_at: string;
  revoked_at: string | null;
}

export const toKey = (r: KeyRow): KeyRecord => ({
  id: r.id,
  account: r.account,
  description: r.description,
  policy: r.policy,
  root: Boolean(r.root),
  sealedSecret: r.secret,
  tokenHash: r.token_hash,
  ...(r.rate_limit !== null && { rateLimit: r.rate_limit }),
  createdAt: r.created_at,
  ...(r.revoked_at !== null && { revokedAt: r.revoked_at }),
});

export const KEY_COLUMNS = 'id, account, description, policy, root, secret, token_hash, rate_limit, created_at';

export interface AccountRow {
  name: string;
  created_at: string;
  callback_secret: string;
}

export const toAccount = (r: AccountRow): AccountRecord => ({ name: r.name, createdAt: r.created_at, sealedCallbackSecret: r.callback_secret });

export const AUDIT_INSERT = 'INSERT INTO audit_log (time, account, key_id, action, resource, outcome, code, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

export const auditValues = (e: AuditEntry): unknown[] => [e.time, e.account, e.keyId ?? null, e.action, e.resource, e.outcome, e.code ?? null, e.requestId ?? null];

/** A newest-first page of the audit log as `?` SQL (limit + 1 rows, see pageOf). */
export function auditPage(filter: AuditFilter): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.account !== undefined) where.push('account = ?'), args.push(filter.account);
  if (filter.since !== undefined) where.push('time >= ?'), args.push(filter.since);
  if (filter.cursor !== undefined) where.push('seq < ?'), args.push(decodeCursor(filter.cursor));
  return { sql: `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`, args: [...args, filter.limit + 1] };
}

export const toAuditEntry = (r: Record<string, unknown>): AuditEntry => ({
  time: r.time as string,
  account: r.account as string,
  ...(r.key_id !== null && { keyId: r.key_id as string }),
  action: r.action as string,
  resource: r.resource as string,
  outcome: r.outcome as AuditEntry['outcome'],
  ...(r.code !== null && { code: r.code as string }),
  ...(r.request_id !== null && { requestId: r.request_id as string }),
});

export interface MediaRow {
  seq: number;
  id: string;
  account: string;
  title: string;
  input: string;
  file: string | null;
  size: number | null;
  created_at: string;
}

export const toMedia = (r: MediaRow): MediaRecord => ({
  id: r.id,
  account: r.account,
  title: r.title,
  input: JSON.parse(r.input),
  ...(r.file !== null && { file: r.file }),
  ...(r.size !== null && { size: Number(r.size) }),
  createdAt: r.created_at,
});

export const MEDIA_INSERT = 'INSERT INTO media (id, account, title, input, file, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';

export const mediaValues = (m: MediaRecord): unknown[] => [m.id, m.account, m.title, JSON.stringify(m.input), m.file ?? null, m.size ?? null, m.createdAt];

export interface PersonRow {
  account: string;
  name: string;
  descriptors: string;
  created_at: string;
}

export const toPerson = (r: PersonRow): PersonRecord => ({ account: r.account, name: r.name, descriptors: JSON.parse(r.descriptors), createdAt: r.created_at });

/** A face's row; its thumbnail column is empty (a blob holds it) but in databases of an older vdna, until moved. */
export interface FaceRow {
  id: string;
  account: string;
  job_id: string | null;
  descriptor: string;
  created_at: string;
}

export const toFace = (r: FaceRow): FaceRecord => ({
  id: r.id,
  account: r.account,
  ...(r.job_id !== null && { jobId: r.job_id }),
  descriptor: JSON.parse(r.descriptor),
  createdAt: r.created_at,
});

export const FACE_COLUMNS = 'id, account, job_id, descriptor, created_at';
export const FACE_INSERT = `INSERT INTO faces (${FACE_COLUMNS}) VALUES (?, ?, ?, ?, ?)`;
/** Thumbnails still in the database (an older vdna's), for the move to the blobs. */
export const STORED_THUMBNAILS = 'SELECT id, thumbnail FROM faces WHERE thumbnail IS NOT NULL LIMIT ?';
export const CLEAR_THUMBNAIL = 'UPDATE faces SET thumbnail = NULL WHERE id = ?';
