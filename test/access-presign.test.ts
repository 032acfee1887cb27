import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presign, verifyPresigned } from '../src/access/presign.js';

const KEY = Buffer.alloc(32, 7);
const PATH = '/v1/jobs/j-1/result';
const NOW = Date.UTC(2026, 10, 29, 7, 0, 0);
const EXPIRES = NOW / 1000 + 600;

/** The query parameters of a presigned URL, as a server would hand them over. */
function query(path = PATH, expires = EXPIRES, key = KEY): { Expires: string; Signature: string } {
  const params = new URLSearchParams(presign(key, path, expires));
  return { Expires: params.get('Expires')!, Signature: params.get('Signature')! };
}

describe('presigned URLs', () => {
  it('has the documented form', () => {
    assert.match(presign(KEY, PATH, EXPIRES), new RegExp(`^Expires=${EXPIRES}&Signature=[0-9a-f]{64}$`));
  });

  it('is valid until it expires, and expired from then on', () => {
    assert.equal(verifyPresigned(KEY, PATH, query(), NOW), 'valid');
    assert.equal(verifyPresigned(KEY, PATH, query(), EXPIRES * 1000 - 1), 'valid');
    assert.equal(verifyPresigned(KEY, PATH, query(), EXPIRES * 1000), 'expired');
    assert.equal(verifyPresigned(KEY, PATH, query(), NOW + 3_600_000), 'expired');
  });

  it('is invalid for another path or key', () => {
    assert.equal(verifyPresigned(KEY, '/v1/jobs/j-2/result', query(), NOW), 'invalid');
    assert.equal(verifyPresigned(Buffer.alloc(32, 8), PATH, query(), NOW), 'invalid');
  });

  it('is invalid with an altered expiry, even one in the past', () => {
    const q = query();
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Expires: String(EXPIRES + 3600) }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Expires: String(EXPIRES - 3600) }, NOW + 3_600_000), 'invalid');
  });

  it('is invalid with an altered or malformed signature or expiry', () => {
    const q = query();
    const flipped = (q.Signature[0] === 'a' ? 'b' : 'a') + q.Signature.slice(1);
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Signature: flipped }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Signature: q.Signature.slice(2) }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Signature: q.Signature.toUpperCase() }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Signature: [q.Signature, q.Signature] }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Expires: 'soon' }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { ...q, Expires: `${EXPIRES}.0` }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { Signature: q.Signature }, NOW), 'invalid');
    assert.equal(verifyPresigned(KEY, PATH, { Expires: q.Expires }, NOW), 'invalid');
  });

  it('accepts a numeric Expires', () => {
    assert.equal(verifyPresigned(KEY, PATH, { ...query(), Expires: EXPIRES }, NOW), 'valid');
  });

  it('is absent without either parameter', () => {
    assert.equal(verifyPresigned(KEY, PATH, {}, NOW), 'absent');
  });
});
