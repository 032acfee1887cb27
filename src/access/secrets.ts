/**
 * Secrets at rest and credentials. Access-key secrets and callback secrets must be readable again
 * (an HMAC is verified with the secret itself), so they are sealed with a master key rather than
 * hashed; bearer tokens are only ever compared, so only their SHA-256 is kept.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { VdnaError } from '../errors.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** AES-256-GCM with a 32-byte master key: `v1.<iv>.<ciphertext>.<tag>`, each part base64url. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new VdnaError('INVALID_ARGUMENT', 'the master key must be 32 bytes');
    this.key = Buffer.from(masterKey);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, data, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    try {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== 'v1' || !parts.every((p) => BASE64URL.test(p))) throw new Error('malformed');
      const [iv, data, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
      // A short tag would be accepted by GCM unless its length is pinned: it must be the full 16 bytes.
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('malformed');
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      throw new VdnaError('INVALID_ARGUMENT', 'a stored secret cannot be decrypted: the master key changed?');
    }
  }

  /** A sub-key for another use (e.g. presigned URLs), so the master key itself signs nothing. */
  derive(label: string): Buffer {
    return createHmac('sha256', this.key).update(label).digest();
  }
}

/**
 * The master key: VDNA_MASTER_KEY (64 hex characters) if set and not empty, else `<dataDir>/master.key`,
 * created on first use. The file is kept owner-only: anyone who reads it can open every stored secret.
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.VDNA_MASTER_KEY?.trim();
  if (fromEnv) {
    if (!HEX_KEY.test(fromEnv)) throw new VdnaError('INVALID_ARGUMENT', 'VDNA_MASTER_KEY must be 64 hex characters (a 32-byte key)');
    return Buffer.from(fromEnv, 'hex');
  }
  const file = join(dataDir, 'master.key');
  let text: string;
  try {
    if ((statSync(file).mode & 0o077) !== 0) ownerOnly(file);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dataDir, { recursive: true });
    text = `${randomBytes(32).toString('hex')}\n`;
    try {
      // 'wx': if another process created the file meanwhile, its key wins and is read back.
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      text = readFileSync(file, 'utf8');
    }
  }
  const hex = text.trim();
  if (!HEX_KEY.test(hex)) throw new VdnaError('INVALID_ARGUMENT', `${file} must hold 64 hex characters (a 32-byte key)`);
  return Buffer.from(hex, 'hex');
}

function ownerOnly(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    throw new VdnaError('INVALID_ARGUMENT', `${file} is readable by others and cannot be made owner-only: chmod 600 it, or set VDNA_MASTER_KEY`);
  }
}

/** What is stored of a bearer token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time string comparison; strings of different lengths still cost a comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length === y.length) return timingSafeEqual(x, y);
  timingSafeEqual(sha256(x), sha256(y));
  return false;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `VDNA` + 16 characters of A-Z2-7 (80 random bits). */
export function newAccessKeyId(): string {
  // 256 is a multiple of 32, so masking keeps the characters uniform.
  return 'VDNA' + [...randomBytes(16)].map((b) => BASE32[b & 31]).join('');
}

/** 240 random bits as 40 base64url characters. */
export function newSecret(): string {
  return randomBytes(30).toString('base64url');
}

/** `vdna_<keyId>_<43 base64url characters>`; the random part may itself contain `_` and `-`. */
export function newToken(keyId: string): string {
  return `vdna_${keyId}_${randomBytes(32).toString('base64url')}`;
}
