/**
 * VDNA-HMAC-SHA256: the native API's signed request form, for clients holding an AccessKeyId and
 * AccessKeySecret instead of a bearer token. The secret never travels; a captured request cannot be
 * altered, and cannot be replayed once its nonce is used or its date is stale.
 *
 * The client sends:
 *   x-vdna-date            ISO 8601 UTC, e.g. 2026-11-29T07:00:00Z (within ±15 minutes of the server)
 *   x-vdna-nonce           16-64 characters of [A-Za-z0-9_-], never reused with the same key
 *   x-vdna-content-sha256  lowercase hex SHA-256 of the body (of the empty string when there is
 *                          none), or UNSIGNED-PAYLOAD (multipart uploads)
 *   authorization          VDNA-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>
 * SignedHeaders are lowercase names, sorted, separated by `;`, and include at least host, x-vdna-date,
 * x-vdna-nonce and x-vdna-content-sha256.
 *
 *   CanonicalRequest = METHOD (uppercased) \n
 *                      path as sent, without the query string \n
 *                      canonical query \n
 *                      for each signed header: name:value-trimmed \n
 *                      \n
 *                      signed header names joined by ; \n
 *                      content hash
 *   StringToSign     = "VDNA-HMAC-SHA256" \n date \n hex(SHA-256(CanonicalRequest))
 *   Signature        = hex(HMAC-SHA256(secret, StringToSign))
 *
 * Canonical query: the query string is decoded as a form (`+` is a space, as the server reads it),
 * each parameter re-encoded as pct(key)=pct(value) (pct = encodeURIComponent, plus !'()* escaped; a
 * key without a value gives `key=`), sorted by that encoded text (key, then value), joined by `&`.
 * Decoding first makes the signature indifferent to how the client's URL encoder spelled things.
 *
 * The host signed is the Host header the server receives: a reverse proxy in front must keep it.
 * This module neither remembers nonces (see NonceCache) nor hashes bodies: the caller compares the
 * declared content hash with sha256Hex(body) once it has the body.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { VdnaError } from '../errors.js';

export const SCHEME = 'VDNA-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const REQUIRED = ['host', 'x-vdna-content-sha256', 'x-vdna-date', 'x-vdna-nonce'];
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,3})?Z$/;
const CONTENT_HASH = /^[0-9a-f]{64}$/;
const KEY_ID = /^[A-Za-z0-9_-]{1,128}$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
const MAX_SIGNED_HEADERS = 32;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ParsedAuthorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/**
 * The headers to add to a request: x-vdna-date, x-vdna-nonce, x-vdna-content-sha256, authorization,
 * and host (url.host, which fetch sends anyway) unless `headers` has one. Every header given in
 * `headers` (but authorization) is signed too, so pass exactly those the request will carry.
 */
export function signRequest(input: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer | 'UNSIGNED-PAYLOAD';
  accessKeyId: string;
  secret: string;
  now?: Date;
  nonce?: string;
}): Record<string, string> {
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (name.toLowerCase() !== 'authorization') given[name.toLowerCase()] = value;
  }
  const added: Record<string, string> = {
    ...(given.host === undefined && { host: input.url.host }),
    'x-vdna-date': (input.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-vdna-nonce': input.nonce ?? randomBytes(18).toString('base64url'),
    'x-vdna-content-sha256': input.body === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(input.body ?? ''),
  };
  const all = { ...given, ...added };
  const signedHeaders = Object.keys(all).sort();
  const canonical = canonicalRequest(input.method, input.url.pathname + input.url.search, all, signedHeaders, all['x-vdna-content-sha256']);
  const signature = signatureOf(input.secret, all['x-vdna-date'], canonical);
  return {
    ...added,
    authorization: `${SCHEME} Credential=${input.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`,
  };
}

/**
 * The parts of a VDNA-HMAC-SHA256 authorization header; undefined for another scheme (Bearer…).
 * Throws UNAUTHENTICATED when the scheme is this one but the rest is malformed.
 */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const text = header.trim();
  const space = text.search(/\s/);
  const scheme = space < 0 ? text : text.slice(0, space);
  if (scheme.toUpperCase() !== SCHEME) return undefined;
  const fail = (why: string): never => {
    throw new VdnaError('UNAUTHENTICATED', `malformed ${SCHEME} authorization: ${why}`);
  };
  const params = new Map<string, string>();
  for (const item of (space < 0 ? '' : text.slice(space)).split(',')) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item.trim() : item.slice(0, eq).trim();
    if (!['Credential', 'SignedHeaders', 'Signature'].includes(name)) fail(name ? `unknown part "${name}"` : 'an empty part');
    if (params.has(name)) fail(`${name} is given twice`);
    params.set(name, eq < 0 ? '' : item.slice(eq + 1).trim());
  }
  const accessKeyId = params.get('Credential') ?? fail('Credential is missing');
  const headers = params.get('SignedHeaders') ?? fail('SignedHeaders is missing');
  const signature = params.get('Signature') ?? fail('Signature is missing');
  if (!KEY_ID.test(accessKeyId)) fail('Credential is not an access key id');
  const signedHeaders = headers.split(';');
  if (signedHeaders.length > MAX_SIGNED_HEADERS) fail(`more than ${MAX_SIGNED_HEADERS} SignedHeaders`);
  signedHeaders.forEach((h, i) => {
    if (!HEADER_NAME.test(h)) fail(`SignedHeaders has "${h}", not a lowercase header name`);
    if (i > 0 && !(signedHeaders[i - 1] < h)) fail('SignedHeaders must be sorted, each name once');
  });
  if (!SIGNATURE.test(signature)) fail('Signature must be 64 hex characters');
  return { accessKeyId, signedHeaders, signature: signature.toLowerCase() };
}

/**
 * Checks a request's signature, date and headers; throws UNAUTHENTICATED with the reason. Does not
 * check nonce reuse, nor the body against the declared x-vdna-content-sha256: the caller does both.
 */
export function verifyRequest(input: {
  method: string;
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
  secret: string;
  parsed: ParsedAuthorization;
  now?: number;
  maxSkewMs?: number;
}): void {
  const { parsed, headers } = input;
  const fail = (why: string): never => {
    throw new VdnaError('UNAUTHENTICATED', why);
  };
  for (const name of REQUIRED) {
    if (!parsed.signedHeaders.includes(name)) fail(`the signature must cover the ${name} header`);
  }
  const values: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const v = headers[name];
    if (v === undefined) fail(`the signed header ${name} is missing`);
    values[name] = Array.isArray(v) ? v.join(', ') : (v as string);
  }
  const date = values['x-vdna-date'].trim();
  const time = parseDate(date) ?? fail('x-vdna-date is not an ISO 8601 UTC time such as 2026-11-29T07:00:00Z');
  const maxSkewMs = input.maxSkewMs ?? 15 * 60_000;
  if (Math.abs((input.now ?? Date.now()) - time) > maxSkewMs) {
    const minutes = Math.round(maxSkewMs / 60_000);
    fail(`x-vdna-date is more than ${minutes} minute${minutes === 1 ? '' : 's'} away from the server's clock`);
  }
  if (!NONCE.test(values['x-vdna-nonce'].trim())) fail('x-vdna-nonce must be 16-64 characters of A-Z a-z 0-9 _ -');
  const contentHash = values['x-vdna-content-sha256'].trim();
  if (contentHash !== UNSIGNED_PAYLOAD && !CONTENT_HASH.test(contentHash)) {
    fail(`x-vdna-content-sha256 must be the lowercase hex SHA-256 of the body, or ${UNSIGNED_PAYLOAD}`);
  }
  let canonical: string;
  try {
    canonical = canonicalRequest(input.method, input.rawUrl, values, parsed.signedHeaders, contentHash);
  } catch {
    return fail('the request URL cannot be canonicalised');
  }
  const expected = Buffer.from(signatureOf(input.secret, date, canonical), 'hex');
  const given = Buffer.from(parsed.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    fail('the request signature does not match (check the secret, the signed headers and the canonical request)');
  }
}

function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const t = Date.parse(text);
  // Date.parse rolls 2026-02-30 over to March; a date that does not survive the round trip is not one.
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 19) !== m[1]) return undefined;
  return t;
}

function signatureOf(secret: string, date: string, canonical: string): string {
  return createHmac('sha256', secret).update(`${SCHEME}\n${date}\n${sha256Hex(canonical)}`).digest('hex');
}

function canonicalRequest(method: string, rawUrl: string, headers: Record<string, string>, signed: string[], contentHash: string): string {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  return [
    method.toUpperCase(),
    path,
    canonicalQuery(query),
    signed.map((name) => `${name}:${headers[name].trim()}\n`).join(''),
    signed.join(';'),
    contentHash,
  ].join('\n');
}

function pct(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalQuery(query: string): string {
  const pairs = [...new URLSearchParams(query)].map(([k, v]) => [pct(k), pct(v)]);
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * The (key, nonce) pairs seen lately. A nonce must be remembered as long as a request carrying it can
 * pass the date check: ±15 minutes of skew make that 30 minutes, the default ttl. Entries sit in a Map
 * in insertion order, which is expiry order, so expired ones are dropped from the front; past `max`
 * the oldest go (a replay of those would then pass, so keep `max` above the request volume of a ttl).
 */
export class NonceCache {
  /** Per key, its nonces in the order used, with when each stops mattering. */
  private readonly seen = new Map<string, Map<string, number>>();

  /**
   * `maxPerKey` bounds one key's nonces within the ttl; a key over it is refused rather than old nonces
   * forgotten, so that no key can flush another's (or its own) replay protection.
   */
  constructor(
    private readonly ttlMs = 30 * 60_000,
    private readonly maxPerKey = 100_000,
  ) {}

  /** True the first time a key uses a nonce within the ttl; false for a replay (or a key over its bound). */
  use(keyId: string, nonce: string, now = Date.now()): boolean {
    let nonces = this.seen.get(keyId);
    if (!nonces) this.seen.set(keyId, (nonces = new Map()));
    for (const [n, expires] of nonces) {
      if (expires > now) break;
      nonces.delete(n);
    }
    const expires = nonces.get(nonce);
    if (expires !== undefined && expires > now) return false;
    if (nonces.size >= this.maxPerKey) return false;
    nonces.set(nonce, now + this.ttlMs);
    return true;
  }

  get size(): number {
    let n = 0;
    for (const nonces of this.seen.values()) n += nonces.size;
    return n;
  }
}
