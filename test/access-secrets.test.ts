import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashToken, loadMasterKey, newAccessKeyId, newSecret, newToken, safeEqual, SecretBox } from '../src/access/secrets.js';
import { VdnaError } from '../src/errors.js';

const root = mkdtempSync(join(tmpdir(), 'vdna-secrets-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);
const UNDECRYPTABLE = /cannot be decrypted: the master key changed\?/;

function refusedOpen(box: SecretBox, sealed: string) {
  assert.throws(
    () => box.open(sealed),
    (err: unknown) => err instanceof VdnaError && err.code === 'INVALID_ARGUMENT' && UNDECRYPTABLE.test(err.message),
  );
}

/** Flips one bit of the base64url part `index` of a sealed secret. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index], 'base64url');
  bytes[0] ^= 1;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('opens what it sealed, with a fresh IV each time', () => {
    const box = new SecretBox(KEY_A);
    const a = box.seal('s3cret ünïcode');
    const b = box.seal('s3cret ünïcode');
    assert.match(a, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.notEqual(a, b);
    assert.equal(box.open(a), 's3cret ünïcode');
    assert.equal(box.open(b), 's3cret ünïcode');
    assert.equal(box.open(box.seal('')), '');
  });

  it('refuses a tampered IV, ciphertext or tag, and malformed input', () => {
    const box = new SecretBox(KEY_A);
    const sealed = box.seal('hello');
    for (const i of [1, 2, 3]) refusedOpen(box, tamper(sealed, i));
    const [, iv, data, tag] = sealed.split('.');
    refusedOpen(box, `v1.${iv}.${data}.${tag.slice(0, 6)}`); // a truncated tag must not pass
    refusedOpen(box, `v2.${iv}.${data}.${tag}`);
    refusedOpen(box, `v1.${iv}.${data}`);
    refusedOpen(box, `v1.${iv}.${data}!.${tag}`);
    refusedOpen(box, 'garbage');
  });

  it('refuses a secret sealed under another master key', () => {
    refusedOpen(new SecretBox(KEY_B), new SecretBox(KEY_A).seal('hello'));
  });

  it('refuses a master key that is not 32 bytes', () => {
    assert.throws(() => new SecretBox(Buffer.alloc(16)), /32 bytes/);
  });

  it('derives distinct, stable sub-keys per label and master key', () => {
    const a = new SecretBox(KEY_A);
    assert.equal(a.derive('x').length, 32);
    assert.deepEqual(a.derive('x'), new SecretBox(KEY_A).derive('x'));
    assert.notDeepEqual(a.derive('x'), a.derive('y'));
    assert.notDeepEqual(a.derive('x'), new SecretBox(KEY_B).derive('x'));
  });
});

describe('loadMasterKey', () => {
  it('creates DATA/master.key with mode 0600 (and the directory), then reads the same key back', () => {
    const dir = join(freshDir(), 'nested');
    const key = loadMasterKey(dir, {});
    assert.equal(key.length, 32);
    const file = join(dir, 'master.key');
    assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
    if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadMasterKey(dir, {}), key);
    assert.notDeepEqual(loadMasterKey(freshDir(), {}), key);
  });

  it('makes an existing key file owner-only', { skip: process.platform === 'win32' }, () => {
    const dir = freshDir();
    const key = loadMasterKey(dir, {});
    const file = join(dir, 'master.key');
    chmodSync(file, 0o644);
    assert.deepEqual(loadMasterKey(dir, {}), key);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('prefers VDNA_MASTER_KEY, in either case', () => {
    const hex = 'ab'.repeat(32);
    const dir = freshDir();
    assert.deepEqual(loadMasterKey(dir, { VDNA_MASTER_KEY: hex.toUpperCase() }), Buffer.alloc(32, 0xab));
    assert.throws(() => statSync(join(dir, 'master.key')), /ENOENT/);
  });

  it('refuses a malformed VDNA_MASTER_KEY', () => {
    for (const bad of ['ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32), 'not a key']) {
      assert.throws(
        () => loadMasterKey(freshDir(), { VDNA_MASTER_KEY: bad }),
        (err: unknown) => err instanceof VdnaError && err.code === 'INVALID_ARGUMENT' && /VDNA_MASTER_KEY must be 64 hex characters/.test(err.message),
      );
    }
  });

  it('refuses a malformed key file', () => {
    const dir = freshDir();
    loadMasterKey(dir, {});
    writeFileSync(join(dir, 'master.key'), 'short\n', { mode: 0o600 });
    assert.throws(() => loadMasterKey(dir, {}), /master\.key must hold 64 hex characters/);
  });
});

describe('tokens and comparison', () => {
  it('hashes tokens as hex SHA-256', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares strings exactly, whatever their lengths', () => {
    assert.equal(safeEqual('secret', 'secret'), true);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('secret', 'secreT'), false);
    assert.equal(safeEqual('secret', 'secret!'), false);
    assert.equal(safeEqual('secret!', 'secret'), false);
    assert.equal(safeEqual('', 'x'), false);
  });

  it('makes access key ids, secrets and tokens of the documented forms', () => {
    const ids = new Set(Array.from({ length: 50 }, newAccessKeyId));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, /^VDNA[A-Z2-7]{16}$/);
    const secret = newSecret();
    assert.match(secret, /^[A-Za-z0-9_-]{40}$/);
    assert.notEqual(newSecret(), secret);
    const id = newAccessKeyId();
    const token = newToken(id);
    assert.match(token, new RegExp(`^vdna_${id}_[A-Za-z0-9_-]{43}$`));
    assert.notEqual(newToken(id), token);
  });
});
