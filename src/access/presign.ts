/**
 * Presigned, expiring GET URLs, as object stores hand out: whoever holds the URL may fetch that one
 * path until it expires, with no key. The signature covers the method, the path (as the server sees
 * it, without the query string) and the expiry, so none can be changed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^[0-9a-f]{64}$/;
const EXPIRES = /^\d{1,15}$/;

function sign(key: Buffer, path: string, expires: number): string {
  return createHmac('sha256', key).update(`GET\n${path}\n${expires}`).digest('hex');
}

/** `Expires=<unix seconds>&Signature=<hex>`, to append to the path after `?`. */
export function presign(key: Buffer, path: string, expiresAt: number): string {
  const expires = Math.floor(expiresAt);
  return `Expires=${expires}&Signature=${sign(key, path, expires)}`;
}

/**
 * 'absent' when the URL carries neither parameter (the caller then wants some other credential);
 * the signature is checked before the expiry, so 'expired' is only said of a genuine URL. The URL is
 * valid until (not at) its Expires second.
 */
export function verifyPresigned(
  key: Buffer,
  path: string,
  query: { Expires?: unknown; Signature?: unknown },
  now = Date.now(),
): 'valid' | 'absent' | 'expired' | 'invalid' {
  const { Expires: expires, Signature: signature } = query;
  if (expires === undefined && signature === undefined) return 'absent';
  const text = typeof expires === 'number' ? String(expires) : expires;
  if (typeof text !== 'string' || !EXPIRES.test(text)) return 'invalid';
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return 'invalid';
  const expected = Buffer.from(sign(key, path, Number(text)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'invalid';
  return now >= Number(text) * 1000 ? 'expired' : 'valid';
}
