import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import {
  canonicalQuery,
  NonceCache,
  parseAuthorization,
  sha256Hex,
  signRequest,
  verifyRequest,
} from '../src/access/request-signature.js';
import { VdnaError } from '../src/errors.js';

const SECRET = 'a-secret-of-forty-characters-0123456789ab';
const KEY_ID = 'VDNAABCDEFGHIJKLMNOP';
const NOW = new Date('2026-11-29T07:00:00Z');

interface Received {
  method: string;
  rawUrl: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Signs a request and returns it as a node server would see it. */
function signed(method: string, url: string, opts: { body?: string; headers?: Record<string, string>; now?: Date } = {}): Received {
  const u = new URL(url);
  const given = opts.headers ?? {};
  const added = signRequest({ method, url: u, headers: given, body: opts.body, accessKeyId: KEY_ID, secret: SECRET, now: opts.now ?? NOW, nonce: 'nonce-0123456789abcdef' });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...given, ...added })) headers[k.toLowerCase()] = v;
  return { method, rawUrl: u.pathname + u.search, headers };
}

function verify(req: Received, opts: { secret?: string; now?: number; maxSkewMs?: number } = {}): void {
  const parsed = parseAuthorization(String(req.headers.authorization));
  assert.ok(parsed);
  verifyRequest({ ...req, secret: opts.secret ?? SECRET, parsed, now: opts.now ?? NOW.getTime(), maxSkewMs: opts.maxSkewMs });
}

function unauthenticated(fn: () => void, message: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VdnaError, `expected a VdnaError, got ${String(err)}`);
    assert.equal(err.code, 'UNAUTHENTICATED');
    assert.match(err.message, message);
    return true;
  });
}

const MISMATCH = /signature does not match/;
const URL_ = 'https://vdna.example:8443/v1/libraries/films/items?limit=10&after=a%20b&q=it%27s*&flag';

describe('signed requests', () => {
  it('verifies a request signed by signRequest', () => {
    const req = signed('POST', URL_, { body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(req.headers.host, 'vdna.example:8443');
    assert.equal(req.headers['x-vdna-date'], '2026-11-29T07:00:00Z');
    assert.equal(req.headers['x-vdna-content-sha256'], sha256Hex('{"a":1}'));
    assert.match(
      String(req.headers.authorization),
      /^VDNA-HMAC-SHA256 Credential=VDNAABCDEFGHIJKLMNOP,SignedHeaders=content-type;host;x-vdna-content-sha256;x-vdna-date;x-vdna-nonce,Signature=[0-9a-f]{64}$/,
    );
    verify(req);
  });

  it('verifies whatever the order and spelling of the query parameters', () => {
    const req = signed('GET', URL_);
    for (const rawQuery of ['flag&q=it\'s%2A&after=a+b&limit=10', 'limit=10&flag=&after=a%20b&q=it%27s%2a']) {
      verify({ ...req, rawUrl: `/v1/libraries/films/items?${rawQuery}` });
    }
  });

  it('canonicalises the query: decoded, re-encoded with !\'()* escaped, sorted by key then value', () => {
    assert.equal(canonicalQuery('b=2&a=y&a=x&c&d=%21%27()*+~'), 'a=x&a=y&b=2&c=&d=%21%27%28%29%2A%20~');
    assert.equal(canonicalQuery(''), '');
  });

  it('verifies an unsigned payload and an empty body', () => {
    verify(signed('POST', 'https://h/v1/upload', { body: 'UNSIGNED-PAYLOAD' }));
    const empty = signed('DELETE', 'https://h/v1/libraries/x');
    assert.equal(empty.headers['x-vdna-content-sha256'], sha256Hex(''));
    verify(empty);
  });

  it('refuses an altered method, path, query value or header value', () => {
    const req = signed('POST', URL_, { body: 'x', headers: { 'content-type': 'text/plain' } });
    unauthenticated(() => verify({ ...req, method: 'PUT' }), MISMATCH);
    unauthenticated(() => verify({ ...req, rawUrl: req.rawUrl.replace('/films/', '/music/') }), MISMATCH);
    unauthenticated(() => verify({ ...req, rawUrl: req.rawUrl.replace('limit=10', 'limit=1000') }), MISMATCH);
    unauthenticated(() => verify({ ...req, rawUrl: req.rawUrl + '&extra=1' }), MISMATCH);
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, 'content-type': 'text/html' } }), MISMATCH);
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, host: 'evil.example' } }), MISMATCH);
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, 'x-vdna-nonce': 'nonce-0123456789abcdeF' } }), MISMATCH);
    unauthenticated(() => verify(req, { secret: 'another secret' }), MISMATCH);
    verify(req);
  });

  it('refuses an altered date or body hash', () => {
    const req = signed('POST', URL_, { body: 'x' });
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, 'x-vdna-date': '2026-11-29T07:00:01Z' } }), MISMATCH);
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, 'x-vdna-content-sha256': sha256Hex('y') } }), MISMATCH);
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, 'x-vdna-content-sha256': 'UNSIGNED-PAYLOAD' } }), MISMATCH);
  });

  it('refuses a date more than 15 minutes away, either way', () => {
    const req = signed('GET', URL_);
    const minute = 60_000;
    verify(req, { now: NOW.getTime() + 15 * minute });
    verify(req, { now: NOW.getTime() - 15 * minute });
    unauthenticated(() => verify(req, { now: NOW.getTime() + 15 * minute + 1 }), /more than 15 minutes/);
    unauthenticated(() => verify(req, { now: NOW.getTime() - 16 * minute }), /more than 15 minutes/);
    unauthenticated(() => verify(req, { now: NOW.getTime() + 2 * minute, maxSkewMs: minute }), /more than 1 minute away/);
  });

  it('refuses an unparseable date, a bad nonce or a bad content hash', () => {
    const req = signed('GET', URL_);
    const withHeader = (name: string, value: string) => ({ ...req, headers: { ...req.headers, [name]: value } });
    for (const date of ['2026-11-29 07:00:00Z', '2026-02-30T07:00:00Z', '2026-11-29T07:00:00+01:00', 'yesterday']) {
      unauthenticated(() => verify(withHeader('x-vdna-date', date)), /x-vdna-date is not an ISO 8601 UTC time/);
    }
    for (const nonce of ['short', 'x'.repeat(65), 'has space in it 12345', 'dots.are.not.allowed.here']) {
      unauthenticated(() => verify(withHeader('x-vdna-nonce', nonce)), /x-vdna-nonce must be 16-64 characters/);
    }
    for (const hash of [sha256Hex('').toUpperCase(), 'abc', 'unsigned-payload']) {
      unauthenticated(() => verify(withHeader('x-vdna-content-sha256', hash)), /x-vdna-content-sha256 must be the lowercase hex SHA-256/);
    }
  });

  it('refuses a missing signed header, and a required header left unsigned', () => {
    const req = signed('POST', URL_, { body: 'x', headers: { 'content-type': 'text/plain' } });
    const { 'content-type': _, ...withoutType } = req.headers;
    unauthenticated(() => verify({ ...req, headers: withoutType }), /signed header content-type is missing/);
    const { 'x-vdna-nonce': __, ...withoutNonce } = req.headers;
    unauthenticated(() => verify({ ...req, headers: withoutNonce }), /signed header x-vdna-nonce is missing/);
    const unsignedHost = String(req.headers.authorization).replace('content-type;host;', 'content-type;');
    unauthenticated(() => verify({ ...req, headers: { ...req.headers, authorization: unsignedHost } }), /must cover the host header/);
  });

  it('verifies what fetch actually sends to a node server', async () => {
    const seen = new Promise<{ method: string; rawUrl: string; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const server = createServer((req, res) => {
        resolve({ method: req.method!, rawUrl: req.url!, headers: req.headers });
        res.end();
      }).listen(0, '127.0.0.1', () => {
        const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x%20y/ü?b=2&a=it's (1)*&a=~`);
        const body = JSON.stringify({ hello: 'wörld' });
        const headers = { 'content-type': 'application/json' };
        const added = signRequest({ method: 'PUT', url, headers, body, accessKeyId: KEY_ID, secret: SECRET });
        fetch(url, { method: 'PUT', headers: { ...headers, ...added }, body })
          .then((res) => res.arrayBuffer())
          .catch(reject)
          .finally(() => server.close());
      });
    });
    const req = await seen;
    const parsed = parseAuthorization(String(req.headers.authorization))!;
    verifyRequest({ ...req, secret: SECRET, parsed });
    unauthenticated(() => verifyRequest({ ...req, secret: 'wrong', parsed }), MISMATCH);
  });
});

describe('parseAuthorization', () => {
  it('returns the parts of a VDNA header', () => {
    const sig = 'ab'.repeat(32);
    assert.deepEqual(parseAuthorization(`VDNA-HMAC-SHA256 Credential=${KEY_ID}, SignedHeaders=host;x-vdna-date, Signature=${sig.toUpperCase()}`), {
      accessKeyId: KEY_ID,
      signedHeaders: ['host', 'x-vdna-date'],
      signature: sig,
    });
  });

  it('returns undefined for other schemes', () => {
    assert.equal(parseAuthorization('Bearer vdna_X_y'), undefined);
    assert.equal(parseAuthorization('Basic dXNlcjpwYXNz'), undefined);
    assert.equal(parseAuthorization('AWS4-HMAC-SHA256 Credential=x'), undefined);
  });

  it('throws UNAUTHENTICATED on a broken VDNA header', () => {
    const sig = 'ab'.repeat(32);
    const cases: [string, RegExp][] = [
      ['VDNA-HMAC-SHA256', /empty part/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},Signature=${sig}`, /SignedHeaders is missing/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=host,Signature=xyz`, /Signature must be 64 hex/],
      [`VDNA-HMAC-SHA256 Credential=a b,SignedHeaders=host,Signature=${sig}`, /Credential is not an access key id/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=x-vdna-date;host,Signature=${sig}`, /must be sorted/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=host;host,Signature=${sig}`, /must be sorted, each name once/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=Host,Signature=${sig}`, /not a lowercase header name/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},SignedHeaders=host,Signature=${sig},Extra=1`, /unknown part "Extra"/],
      [`VDNA-HMAC-SHA256 Credential=${KEY_ID},Credential=${KEY_ID},SignedHeaders=host,Signature=${sig}`, /Credential is given twice/],
    ];
    for (const [header, message] of cases) unauthenticated(() => parseAuthorization(header), message);
  });
});

describe('NonceCache', () => {
  it('refuses a reused nonce within the ttl, and accepts it again after', () => {
    const cache = new NonceCache(1000);
    assert.equal(cache.use('K1', 'n', 0), true);
    assert.equal(cache.use('K1', 'n', 999), false);
    assert.equal(cache.use('K2', 'n', 999), true);
    assert.equal(cache.use('K1', 'm', 999), true);
    assert.equal(cache.use('K1', 'n', 1000), true);
    assert.equal(cache.use('K1', 'n', 1500), false);
  });

  it('forgets an expired nonce even when a clock step left it behind a newer entry', () => {
    const cache = new NonceCache(1000);
    assert.equal(cache.use('K', 'later', 500), true);
    assert.equal(cache.use('K', 'earlier', 0), true);
    assert.equal(cache.use('K', 'earlier', 1200), true);
    assert.equal(cache.use('K', 'later', 1200), false);
  });

  it('keeps key and nonce apart', () => {
    const cache = new NonceCache(1000);
    assert.equal(cache.use('a:b', 'c', 0), true);
    assert.equal(cache.use('a', 'b:c', 0), true);
  });

  it('refuses a key over its bound instead of forgetting nonces (no key can flush replay protection), and drops expired ones', () => {
    const cache = new NonceCache(1000, 3);
    for (const n of ['a', 'b', 'c']) assert.equal(cache.use('K', n, 0), true);
    assert.equal(cache.use('K', 'd', 10), false, 'over its bound: refused');
    assert.equal(cache.use('K', 'a', 20), false, 'a is still remembered');
    assert.equal(cache.use('OTHER', 'x', 20), true, 'another key is not affected');
    assert.equal(cache.size, 4);
    assert.equal(cache.use('K', 'e', 1015), true, 'the expired ones made room');
    assert.equal(cache.size, 2, 'K: e; OTHER: x');
  });
});
