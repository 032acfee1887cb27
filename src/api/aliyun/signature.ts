/**
 * Verification of the two signatures Alibaba Cloud SDKs send, framework-free.
 *
 * - RPC v1 (HMAC-SHA1): pop-core, older generated SDKs, and openapi-core with signatureAlgorithm 'v2'. Signs every
 *   parameter (query + form body) but Signature; never the path.
 * - ACS3-HMAC-SHA256: generated SDKs on openapi-core. Signs the query, the headers listed in SignedHeaders and the
 *   body's hash. The canonical URI is always '/': the SDK signs its Params.pathname ('/') while the wire path carries
 *   any mount prefix of the endpoint ('127.0.0.1:8080/aliyun' sends POST /aliyun/ with Host '127.0.0.1:8080/aliyun').
 *
 * Checked in the cloud's order: required fields, then the clock, then the signature, so a client learns the most
 * specific fault. Nonce reuse is the caller's to refuse: the nonce is returned and the caller owns the cache.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** An error in Alibaba Cloud terms: rendered by the door as {RequestId, HostId, Code, Message} with `status`. */
export class AliyunError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'AliyunError';
  }
}

export interface AliyunRequest {
  method: string;
  /** path as received, e.g. '/' or '/aliyun/' (not signed by either scheme; kept for the caller's routing) */
  path: string;
  /** decoded query parameters */
  query: Record<string, string>;
  /** decoded form body parameters (application/x-www-form-urlencoded), {} if none */
  form: Record<string, string>;
  /** lowercase header names */
  headers: Record<string, string | undefined>;
  /** raw body bytes (empty Buffer if none) */
  body: Buffer;
}

export interface SignatureCheck {
  accessKeyId: string;
  scheme: 'RPC-v1' | 'ACS3-HMAC-SHA256';
  nonce: string;
}

const ACS3 = 'ACS3-HMAC-SHA256';

const missing = (name: string, what = name) => new AliyunError(400, `Missing${name}`, `${what} is mandatory for this action.`);
const incomplete = (why: string) =>
  new AliyunError(400, 'IncompleteSignature', `The request signature does not conform to Aliyun standards: ${why}.`);
const mismatch = (why = 'Specified signature is not matched with our calculation.') =>
  new AliyunError(400, 'SignatureDoesNotMatch', why);

/**
 * The one percent-encoding of both schemes (the SDKs' `encode`): encodeURIComponent plus !'()*, so a space is %20
 * and '~' stays. Values arrive decoded; the wire spelling (querystring leaves *()! bare) never matters.
 */
export function percentEncode(s: string): string {
  let out: string;
  try {
    out = encodeURIComponent(s);
  } catch {
    throw new AliyunError(400, 'InvalidParameter', 'A parameter is not well-formed Unicode text.');
  }
  return out.replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * 'pct(k)=pct(v)' joined by '&', ordered by the raw name as the SDKs sort (UTF-16 order; for the ASCII names of
 * these APIs the same as sorting the encoded ones). ACS3 SDKs leave names unencoded; no real name needs encoding.
 */
function canonicalParams(params: Record<string, string>, skip?: string): string {
  return Object.keys(params)
    .filter((k) => k !== skip)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`)
    .join('&');
}

/** Equal-length constant-time comparison; a length difference is itself a mismatch. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** True when the Authorization header claims an ACS3 signature (of any algorithm: others are refused later). */
const isAcs3 = (req: AliyunRequest) => /^ACS3-/.test(req.headers.authorization ?? '');

/** `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex` → its parts; anything else IncompleteSignature. */
function parseAcs3(header: string): Acs3Authorization {
  const space = header.indexOf(' ');
  if (space < 0) throw incomplete('Authorization has no Credential');
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId) throw incomplete('Authorization has no Credential');
  if (!signedHeaders) throw incomplete('Authorization has no SignedHeaders');
  if (!signature) throw incomplete('Authorization has no Signature');
  return {
    algorithm: header.slice(0, space),
    accessKeyId,
    signedHeaders: signedHeaders.toLowerCase().split(';'),
    signature: signature.toLowerCase(),
  };
}

/** The access key a request claims: ACS3 `Credential=`, else the v1 `AccessKeyId` parameter (form over query). */
export function readAccessKeyId(req: AliyunRequest): string {
  if (isAcs3(req)) return parseAcs3(req.headers.authorization!).accessKeyId;
  const id = req.form.AccessKeyId ?? req.query.AccessKeyId;
  if (!id) throw missing('AccessKeyId');
  return id;
}

/** Both schemes send `yyyy-MM-ddTHH:mm:ssZ` (UTC); fractions are tolerated, offsets other than Z are not. */
function checkTime(value: string, now: number, maxSkewMs: number): void {
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new AliyunError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
  if (Math.abs(now - t) > maxSkewMs) throw new AliyunError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
}

function verifyRpcV1(req: AliyunRequest, secret: string, now: number, maxSkewMs: number): SignatureCheck {
  // Form over query, as the door merges them: what is signed is what is acted on.
  const params = { ...req.query, ...req.form };
  const accessKeyId = readAccessKeyId(req);
  const method = params.SignatureMethod;
  if (!method) throw missing('SignatureMethod');
  if (method !== 'HMAC-SHA1') throw new AliyunError(400, 'InvalidSignatureMethod', `Specified signature method ${method} is not supported; use HMAC-SHA1.`);
  if (!params.Timestamp) throw missing('Timestamp');
  const nonce = params.SignatureNonce;
  if (!nonce) throw missing('SignatureNonce');
  checkTime(params.Timestamp, now, maxSkewMs);
  const stringToSign = `${req.method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalParams(params, 'Signature'))}`;
  const expected = createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
  // base64 never holds a space: one here is a '+' a client left unescaped in the query and the parser turned.
  if (!sameText(params.Signature.replace(/ /g, '+'), expected)) throw mismatch();
  return { accessKeyId, scheme: 'RPC-v1', nonce };
}

/**
 * Host and every x-acs-* header present must be signed (the cloud's rule: all common request headers present take
 * part), so the action, version, date, nonce and body hash cannot be swapped under a valid signature.
 */
function checkSignedHeaders(req: AliyunRequest, signed: string[]): void {
  const listed = new Set(signed);
  const unsigned = Object.keys(req.headers).filter(
    (h) => req.headers[h] !== undefined && (h === 'host' || h.startsWith('x-acs-')) && !listed.has(h),
  );
  if (unsigned.length) throw incomplete(`header ${unsigned.join(', ')} must be in SignedHeaders`);
}

function verifyAcs3(req: AliyunRequest, secret: string, now: number, maxSkewMs: number): SignatureCheck {
  const auth = parseAcs3(req.headers.authorization!);
  if (auth.algorithm !== ACS3) {
    throw new AliyunError(400, 'InvalidSignatureMethod', `Specified signature algorithm ${auth.algorithm} is not supported; use ${ACS3}.`);
  }
  const date = req.headers['x-acs-date'];
  if (!date) throw missing('Timestamp', 'x-acs-date');
  const nonce = req.headers['x-acs-signature-nonce'];
  if (!nonce) throw missing('SignatureNonce', 'x-acs-signature-nonce');
  const payloadHash = req.headers['x-acs-content-sha256']?.toLowerCase();
  if (!payloadHash) throw incomplete('x-acs-content-sha256 is mandatory');
  checkSignedHeaders(req, auth.signedHeaders);
  checkTime(date, now, maxSkewMs);
  // Documented choice: a body that is not the one hashed is a signature mismatch (the cloud names no finer code).
  if (!sameText(payloadHash, createHash('sha256').update(req.body).digest('hex'))) {
    throw mismatch('Specified x-acs-content-sha256 does not match the request body.');
  }
  const canonicalRequest = [
    req.method.toUpperCase(),
    '/',
    canonicalParams(req.query),
    auth.signedHeaders.map((h) => `${h}:${(req.headers[h] ?? '').trim()}\n`).join(''),
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = `${ACS3}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
  const expected = createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');
  if (!sameText(auth.signature, expected)) throw mismatch();
  return { accessKeyId: auth.accessKeyId, scheme: ACS3, nonce };
}

/**
 * Verifies a request signed by `secret`: ACS3 when the Authorization header says so, else RPC v1 when a Signature
 * parameter is present, else MissingSignature. Timestamps must lie within ±maxSkewMs of `now`.
 */
export function verifyAliyunSignature(req: AliyunRequest, secret: string, now = Date.now(), maxSkewMs = 15 * 60_000): SignatureCheck {
  if (isAcs3(req)) return verifyAcs3(req, secret, now, maxSkewMs);
  if ((req.query.Signature ?? req.form.Signature) !== undefined) return verifyRpcV1(req, secret, now, maxSkewMs);
  throw missing('Signature');
}
