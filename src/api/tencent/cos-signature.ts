/**
 * COS signature v5 verification for the Tencent CI door, framework-free.
 *
 * Clients (cos-nodejs-sdk-v5 `cos.request`) sign `Authorization: q-sign-algorithm=sha1&q-ak=..&q-sign-time=s;e&
 * q-key-time=s;e&q-header-list=..&q-url-param-list=..&q-signature=..`. Wire facts measured with SDK 3.0.0:
 * - the signed path is '/' + Key, not the URL path: Key 'jobs' with Url '.../tencent/jobs' signs '/jobs', and with
 *   no Key the SDK signs the URL path exactly as written (still percent-encoded), so we try both spellings, with
 *   and without the mount prefix;
 * - query written into the Url is sent but NOT signed (q-url-param-list empty); only `Query`/`Action` keys are;
 * - headers signed: content-length;content-type;host (POST), host (GET), plus x-cos-sdk-retry on retries.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** An error in CI/COS terms: rendered by the door as `<Error><Code/><Message/><RequestId/></Error>`. */
export class TencentError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'TencentError';
  }
}

export interface CosRequest {
  method: string;
  /** path as received, still percent-encoded, without the query; may carry a mount prefix such as /tencent */
  path: string;
  /** raw query string without '?' */
  rawQuery: string;
  /** lowercase header names */
  headers: Record<string, string | undefined>;
}

export interface CosAuthorization {
  accessKeyId: string;
  signTime: [number, number];
  keyTime: string;
  headerList: string[];
  paramList: string[];
  signature: string;
}

export interface VerifyOptions {
  /** mount prefixes the client may not have signed, e.g. ['/tencent'] */
  prefixes?: string[];
  /** current time in epoch seconds (default: the clock) */
  now?: number;
}

/**
 * How far (s) a q-sign-time start may lie in the future. The SDK signs [now - 1, now + 899] by its own clock,
 * so a client clock up to 5 min ahead still passes; the end gets no grace: past it the signature is expired.
 */
export const CLOCK_TOLERANCE_S = 300;

/** The longest q-sign-time/q-key-time window accepted (the SDK signs 900 s by default). */
export const MAX_WINDOW_S = 3600;

/**
 * The one percent-encoding of COS signing: the SDK's camSafeUrlEncode, i.e. encodeURIComponent plus !'()*.
 * Used for parameter/header names (then lowercased) and values.
 */
export function cosEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const invalid = (message: string) => new TencentError(400, 'InvalidArgument', message);
const mismatch = () =>
  new TencentError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalid(`malformed percent-encoding in ${what}`);
  }
}

function parseTime(v: string | undefined, field: string): [number, number] {
  const m = /^(0|[1-9]\d{0,11});(0|[1-9]\d{0,11})$/.exec(v ?? ''); // canonical, so join(';') re-forms it
  if (!m) throw invalid(`${field} must be start;end in epoch seconds`);
  const range: [number, number] = [Number(m[1]), Number(m[2])];
  if (range[0] > range[1]) throw invalid(`${field} starts after it ends`);
  return range;
}

const list = (v: string) => (v === '' ? [] : v.split(';'));

/** Parses the Authorization header; absent means AccessDenied, anything not v5-shaped InvalidArgument. */
export function parseCosAuthorization(header: string | undefined): CosAuthorization {
  if (header === undefined || header.trim() === '') {
    throw new TencentError(403, 'AccessDenied', 'Access Denied: no Authorization header');
  }
  const fields = new Map<string, string>();
  for (const part of header.trim().split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw invalid('Authorization is not a list of q-name=value pairs');
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  if (fields.get('q-sign-algorithm') !== 'sha1') throw invalid('q-sign-algorithm must be sha1');
  const need = ['q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'];
  const missing = need.filter((k) => fields.get(k) === undefined);
  if (missing.length) throw invalid(`Authorization lacks ${missing.join(', ')}`);
  const accessKeyId = fields.get('q-ak')!;
  const signature = fields.get('q-signature')!.toLowerCase();
  if (!accessKeyId) throw invalid('q-ak is empty');
  if (!/^[0-9a-f]{40}$/.test(signature)) throw invalid('q-signature must be 40 hex digits');
  const keyTime = fields.get('q-key-time')!;
  parseTime(keyTime, 'q-key-time');
  return {
    accessKeyId,
    signTime: parseTime(fields.get('q-sign-time'), 'q-sign-time'),
    keyTime,
    headerList: list(fields.get('q-header-list')!.toLowerCase()),
    paramList: list(fields.get('q-url-param-list')!.toLowerCase()),
    signature,
  };
}

/** Pairs of the query string by signing name (cosEncode(name) lowercased); a name given twice is refused. */
function queryByName(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = cosEncode(decode(eq < 0 ? part : part.slice(0, eq), 'the query')).toLowerCase();
    if (out.has(name)) throw invalid(`query parameter ${name} given twice`);
    out.set(name, eq < 0 ? '' : decode(part.slice(eq + 1), 'the query'));
  }
  return out;
}

/**
 * 'name=cosEncode(value)' joined by '&'. The SDK orders these by the unencoded lowercase name (not by the encoded
 * name it lists in q-*-list), so do the same. A listed header absent counts as '' (the SDK never signs empty ones).
 */
function signedPairs(names: string[], value: (name: string) => string | undefined): string {
  const key = (n: string) => decode(n, 'the signed name list');
  return [...names]
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((n) => `${n}=${cosEncode(value(n) ?? '')}`)
    .join('&');
}

const hmacHex = (key: string, data: string) => createHmac('sha1', key).update(data).digest('hex');

/** The paths the client may have signed: as received and with each mount prefix cut, each raw and decoded. */
function candidatePaths(path: string, prefixes: string[]): string[] {
  const raw = [path];
  for (const p of prefixes) {
    const prefix = p.replace(/\/+$/, '');
    if (prefix && (path === prefix || path.startsWith(prefix + '/'))) raw.push(path.slice(prefix.length) || '/');
  }
  const out = new Set<string>();
  for (const r of raw) {
    out.add(decode(r, 'the path'));
    out.add(r);
  }
  return [...out];
}

/**
 * Verifies a v5 signature; throws TencentError unless it matches. `secret` is the SecretKey, or a lookup by
 * SecretId (undefined means InvalidAccessKeyId). Returns the parsed header so the caller knows the key id.
 */
export function verifyCosSignature(
  req: CosRequest,
  secret: string | ((accessKeyId: string) => string | undefined),
  opts: VerifyOptions = {},
): CosAuthorization {
  const auth = parseCosAuthorization(req.headers.authorization);
  const key = typeof secret === 'string' ? secret : secret(auth.accessKeyId);
  if (key === undefined) {
    throw new TencentError(403, 'InvalidAccessKeyId', 'The access key Id format you provided is invalid.');
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  for (const [start, end] of [auth.signTime, parseTime(auth.keyTime, 'q-key-time')]) {
    // A signature names no nonce and need not sign the body: its window is what bounds a leaked one.
    if (end - start > MAX_WINDOW_S) throw new TencentError(400, 'InvalidArgument', `a signature may be valid for at most ${MAX_WINDOW_S} s`);
    if (now > end) throw new TencentError(400, 'ExpiredToken', 'Request has expired');
    if (now < start - CLOCK_TOLERANCE_S) {
      // This code makes the SDK (CorrectClockSkew, on by default) adopt our Date header and retry once.
      throw new TencentError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the server time is too large.');
    }
  }
  const query = queryByName(req.rawQuery);
  // A signed flag such as ?cancel= must not be strippable: require every listed parameter (`k` or `k=` both do).
  if (auth.paramList.some((n) => !query.has(n))) throw mismatch();
  const params = signedPairs(auth.paramList, (n) => query.get(n));
  const headers = signedPairs(auth.headerList, (n) => req.headers[decode(n, 'q-header-list')]);
  const signKey = hmacHex(key, auth.keyTime);
  const given = Buffer.from(auth.signature);
  for (const path of candidatePaths(req.path, opts.prefixes ?? [])) {
    const httpString = `${req.method.toLowerCase()}\n${path}\n${params}\n${headers}\n`;
    const stringToSign = `sha1\n${auth.signTime.join(';')}\n${createHash('sha1').update(httpString).digest('hex')}\n`;
    if (timingSafeEqual(Buffer.from(hmacHex(signKey, stringToSign)), given)) return auth;
  }
  throw mismatch();
}
