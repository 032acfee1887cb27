/**
 * COS signature v5 proved against the official client, unmodified: cos-nodejs-sdk-v5 (3.0.0) `cos.request`
 * talks to a loopback server that verifies every request with verifyCosSignature and answers CI-style XML.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import {
  CLOCK_TOLERANCE_S,
  cosEncode,
  parseCosAuthorization,
  TencentError,
  verifyCosSignature,
  type CosRequest,
} from '../src/api/tencent/cos-signature.js';

const SECRET_ID = 'AKIDvdnaTencentDoor0001';
const SECRET_KEY = 'tencent-door-secret-key-0123456789';
const WHERE = { Bucket: 'examplebucket-1250000000', Region: 'ap-chongqing' };
const JOB_XML = '<Response><JobsDetail><JobId>j1</JobId></JobsDetail></Response>';
const BODY = COS.util.json2xml({
  Request: {
    Tag: 'DNA',
    Input: { Object: 'input/a b.mp4' },
    Operation: { DnaConfig: { RuleType: 'GetFingerPrint', DnaDbId: 'db1', VideoId: 'v1' } },
  },
});

/** A request as the server saw it, with the code it answered ('ok' or an error Code). */
interface Seen extends CosRequest {
  body: string;
  outcome: string;
}

type SdkError = COS.CosSdkError & { error: { Code: string; Message: string; RequestId?: string } };

const seen: Seen[] = [];
/** POSTs still to answer with 500 InternalError (after verifying), to observe the SDK's retries. */
let failPosts = 0;
let requestSeq = 0;
let base = '';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const lookup = (ak: string) => (ak === SECRET_ID ? SECRET_KEY : undefined);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const entry: Seen = {
      method: req.method ?? 'GET',
      path: q < 0 ? url : url.slice(0, q),
      rawQuery: q < 0 ? '' : url.slice(q + 1),
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      outcome: 'ok',
    };
    seen.push(entry);
    const requestId = `req-${++requestSeq}`;
    try {
      verifyCosSignature(entry, lookup, { prefixes: ['/tencent'] });
      if (entry.method === 'POST' && failPosts > 0) {
        failPosts--;
        throw new TencentError(500, 'InternalError', 'injected failure');
      }
      res.writeHead(200, { 'content-type': 'application/xml', 'x-ci-request-id': requestId });
      res.end(JOB_XML);
    } catch (err) {
      if (!(err instanceof TencentError)) throw err;
      entry.outcome = err.code;
      res.writeHead(err.status, { 'content-type': 'application/xml', 'x-ci-request-id': requestId });
      res.end(`<Error><Code>${err.code}</Code><Message>${esc(err.message)}</Message><RequestId>${requestId}</RequestId></Error>`);
    }
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  // The SDK keeps sockets alive; close them or the server never stops.
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  seen.length = 0;
  failPosts = 0;
});

const client = (opts: COS.COSOptions = {}) => new COS({ SecretId: SECRET_ID, SecretKey: SECRET_KEY, ...opts });

const postJob = (cos: COS, url: string, extra: Partial<COS.RequestParams> = { Key: 'jobs' }) =>
  cos.request({ ...WHERE, Method: 'POST', Url: url, Headers: { 'content-type': 'application/xml' }, Body: BODY, ...extra });

async function failure(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  return assert.fail('expected the SDK call to fail');
}

function refusedWith(fn: () => unknown, status: number, code: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TencentError, `expected a TencentError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    return true;
  });
}

const authOf = (s: Seen) => parseCosAuthorization(s.headers.authorization);
const outcomes = () => seen.map((s) => s.outcome);

describe('COS v5 signatures from cos-nodejs-sdk-v5', () => {
  it('POST /jobs with Key jobs: verifies; v3.0.0 signs content-length;content-type;host', async () => {
    const data = await postJob(client(), `${base}/jobs`);
    assert.equal(data.Response.JobsDetail.JobId, 'j1');
    assert.equal(data.RequestId, 'req-1'); // taken from x-ci-request-id
    assert.deepEqual(outcomes(), ['ok']);
    assert.equal(seen[0].path, '/jobs');
    assert.deepEqual(authOf(seen[0]).headerList, ['content-length', 'content-type', 'host']);
    assert.match(seen[0].body, /<Object>input\/a b\.mp4<\/Object>/);
  });

  it('POST /tencent/jobs with Key jobs: the SDK signs /jobs, so only the prefix-stripped path verifies', async () => {
    await postJob(client(), `${base}/tencent/jobs`);
    assert.deepEqual(outcomes(), ['ok']);
    assert.equal(seen[0].path, '/tencent/jobs');
    refusedWith(() => verifyCosSignature(seen[0], SECRET_KEY, {}), 403, 'SignatureDoesNotMatch');
    verifyCosSignature(seen[0], SECRET_KEY, { prefixes: ['/tencent/'] }); // a trailing slash is tolerated
  });

  it('without Key the SDK signs the URL path as written: prefixed, and still percent-encoded', async () => {
    await postJob(client(), `${base}/tencent/jobs`, {});
    verifyCosSignature(seen[0], SECRET_KEY, {}); // signed /tencent/jobs itself
    await client().request({ ...WHERE, Method: 'GET', Url: `${base}/jobs/a%20b` }); // signs '/jobs/a%20b'
    await client().request({ ...WHERE, Method: 'GET', Key: 'jobs/a b', Url: `${base}/jobs/a%20b` }); // signs '/jobs/a b'
    assert.deepEqual(outcomes(), ['ok', 'ok', 'ok']);
    assert.equal(seen[1].path, '/jobs/a%20b');
    assert.notEqual(authOf(seen[1]).signature, authOf(seen[2]).signature);
  });

  it('GET with the query written into Url: sent, but not signed', async () => {
    await client().request({ ...WHERE, Method: 'GET', Key: 'jobs', Url: `${base}/jobs?queueId=p1&states=Success,Failed&size=10` });
    assert.deepEqual(outcomes(), ['ok']);
    assert.equal(seen[0].rawQuery, 'queueId=p1&states=Success%2CFailed&size=10'); // the SDK re-encodes ','
    assert.deepEqual(authOf(seen[0]).paramList, []);
    assert.deepEqual(authOf(seen[0]).headerList, ['host']); // GET: no content-length
    // Consequence: such parameters can be altered without breaking the signature.
    verifyCosSignature({ ...seen[0], rawQuery: 'queueId=p2&size=100' }, SECRET_KEY, {});
  });

  it('GET with Query: names listed lowercase, values encoded with !\'()*, order by unencoded name', async () => {
    const Query = { queueId: 'p1', states: 'Success,Failed', size: 10, 'a-': "x y!'()*", 'a:': 'é' };
    await client().request({ ...WHERE, Method: 'GET', Key: 'jobs', Url: `${base}/jobs`, Query });
    assert.deepEqual(outcomes(), ['ok']);
    assert.match(seen[0].rawQuery, /(^|&)a-=x%20y%21%27%28%29%2A(&|$)/);
    // 'a%3a' lists before 'a-', yet 'a-' (0x2d) comes before 'a:' (0x3a) in the signed string.
    assert.deepEqual(authOf(seen[0]).paramList, ['a%3a', 'a-', 'queueid', 'size', 'states']);
    refusedWith(
      () => verifyCosSignature({ ...seen[0], rawQuery: seen[0].rawQuery.replace('size=10', 'size=11') }, SECRET_KEY, {}),
      403,
      'SignatureDoesNotMatch',
    );
  });

  it("Action cancel: PUT /jobs/{id}?cancel= with cancel signed; Tencent's demo spelling ?cancel verifies too", async () => {
    const data = await client().request({ ...WHERE, Method: 'PUT', Key: 'jobs/j1', Url: `${base}/jobs/j1`, Action: 'cancel' });
    assert.equal(data.statusCode, 200);
    assert.deepEqual(outcomes(), ['ok']);
    assert.equal(`${seen[0].path}?${seen[0].rawQuery}`, '/jobs/j1?cancel=');
    assert.deepEqual(authOf(seen[0]).paramList, ['cancel']);
    assert.deepEqual(authOf(seen[0]).headerList, ['content-length', 'host']); // PUT sends Content-Length: 0
    verifyCosSignature({ ...seen[0], rawQuery: 'cancel' }, SECRET_KEY, {});
    refusedWith(() => verifyCosSignature({ ...seen[0], rawQuery: '' }, SECRET_KEY, {}), 403, 'SignatureDoesNotMatch');
  });

  // Wire fact for idempotency: the SDK retries any 5xx at once, 3 times (4 attempts), re-sending the same body
  // with a new, signed `x-cos-sdk-retry: true` header. POST /jobs must never 5xx after creating a job.
  it('a 5xx is retried: the same POST arrives again with x-cos-sdk-retry signed, up to 4 attempts', async () => {
    failPosts = 1;
    const data = await postJob(client(), `${base}/jobs`);
    assert.equal(data.Response.JobsDetail.JobId, 'j1');
    assert.deepEqual(outcomes(), ['InternalError', 'ok']);
    assert.equal(seen[1].body, seen[0].body);
    assert.equal(seen[1].headers['x-cos-sdk-retry'], 'true');
    assert.deepEqual(authOf(seen[1]).headerList, ['content-length', 'content-type', 'host', 'x-cos-sdk-retry']);

    seen.length = 0;
    failPosts = Infinity;
    const err = await failure(postJob(client(), `${base}/jobs`));
    assert.equal(err.code, 'InternalError');
    assert.equal(seen.length, 4);
  });
});

describe('COS v5 refusals, as the SDK surfaces them', () => {
  it('wrong secret: SignatureDoesNotMatch 403 reaches the caller as err.code and err.error.Code, not retried', async () => {
    const err = await failure(postJob(client({ SecretKey: 'not-the-secret' }), `${base}/jobs`));
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.statusCode, 403);
    assert.equal(err.error.Code, 'SignatureDoesNotMatch');
    assert.match(err.error.Message, /does not match/);
    assert.equal(err.error.RequestId, err.RequestId); // RequestId comes from x-ci-request-id
    assert.deepEqual(outcomes(), ['SignatureDoesNotMatch']);
  });

  it('unknown SecretId: InvalidAccessKeyId 403', async () => {
    const err = await failure(postJob(client({ SecretId: 'AKIDsomebodyElse' }), `${base}/jobs`));
    assert.equal(err.code, 'InvalidAccessKeyId');
    assert.equal(err.statusCode, 403);
  });

  it('missing Authorization: AccessDenied 403 in the CI XML error shape', async () => {
    const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: BODY });
    assert.equal(res.status, 403);
    assert.match(res.headers.get('x-ci-request-id') ?? '', /^req-/);
    assert.match(await res.text(), /^<Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><RequestId>req-\d+<\/RequestId><\/Error>$/);
  });

  it('a signature that ended 20 minutes ago: ExpiredToken 400, not retried', async () => {
    // The SDK signs [clock - 1, clock + 899]; a clock 35 min behind makes the window end 20 min ago.
    const err = await failure(postJob(client({ SystemClockOffset: -(20 * 60 + 900) * 1000 }), `${base}/jobs`));
    assert.equal(err.code, 'ExpiredToken');
    assert.equal(err.statusCode, 400);
    assert.equal(seen.length, 1);
    assert.ok(authOf(seen[0]).signTime[1] <= Math.floor(Date.now() / 1000) - 20 * 60);
  });

  it('a client clock 20 minutes ahead: RequestTimeTooSkewed, then the SDK adopts our Date header and succeeds', async (t) => {
    const logged = t.mock.method(console, 'error', () => {}); // the SDK logs 'Local time is too skewed.'
    const data = await postJob(client({ SystemClockOffset: 20 * 60 * 1000 }), `${base}/jobs`);
    assert.equal(data.Response.JobsDetail.JobId, 'j1');
    assert.deepEqual(outcomes(), ['RequestTimeTooSkewed', 'ok']);
    assert.equal(logged.mock.callCount(), 1);
  });

  it('a replayed signature on another path: SignatureDoesNotMatch', async () => {
    await client().request({ ...WHERE, Method: 'GET', Key: 'jobs/j1', Url: `${base}/jobs/j1` });
    const authorization = seen[0].headers.authorization!;
    const replay = (path: string) => fetch(`${base}${path}`, { headers: { authorization } });
    assert.equal((await replay('/jobs/j1')).status, 200); // control: the replay itself is acceptable
    const res = await replay('/jobs/j2');
    assert.equal(res.status, 403);
    assert.match(await res.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.deepEqual(outcomes(), ['ok', 'ok', 'SignatureDoesNotMatch']);
  });
});

describe('verifyCosSignature without a network', () => {
  const START = 1_800_000_000;
  const END = START + 900;
  const signed = (): CosRequest => ({
    method: 'GET',
    path: '/jobs',
    rawQuery: 'size=10',
    headers: {
      host: 'vdna.example',
      authorization: COS.getAuthorization({
        SecretId: SECRET_ID,
        SecretKey: SECRET_KEY,
        Method: 'get',
        Key: 'jobs',
        Query: { size: '10' },
        Headers: { host: 'vdna.example' },
        KeyTime: `${START};${END}`,
      }),
    },
  });

  it(`accepts from start - ${CLOCK_TOLERANCE_S} s to end inclusive`, () => {
    verifyCosSignature(signed(), SECRET_KEY, { now: START - CLOCK_TOLERANCE_S });
    verifyCosSignature(signed(), SECRET_KEY, { now: END });
    refusedWith(() => verifyCosSignature(signed(), SECRET_KEY, { now: START - CLOCK_TOLERANCE_S - 1 }), 403, 'RequestTimeTooSkewed');
    refusedWith(() => verifyCosSignature(signed(), SECRET_KEY, { now: END + 1 }), 400, 'ExpiredToken');
  });

  it('refuses a changed signed header, method or secret', () => {
    const req = signed();
    const now = START;
    refusedWith(() => verifyCosSignature({ ...req, headers: { ...req.headers, host: 'evil.example' } }, SECRET_KEY, { now }), 403, 'SignatureDoesNotMatch');
    refusedWith(() => verifyCosSignature({ ...req, method: 'DELETE' }, SECRET_KEY, { now }), 403, 'SignatureDoesNotMatch');
    refusedWith(() => verifyCosSignature(req, 'other', { now }), 403, 'SignatureDoesNotMatch');
    refusedWith(() => verifyCosSignature(req, () => undefined, { now }), 403, 'InvalidAccessKeyId');
    assert.equal(verifyCosSignature(req, lookup, { now }).accessKeyId, SECRET_ID);
  });

  it('parses the header; absent is AccessDenied, malformed InvalidArgument', () => {
    const auth = parseCosAuthorization(signed().headers.authorization);
    assert.deepEqual(
      { ...auth, signature: auth.signature.length },
      { accessKeyId: SECRET_ID, signTime: [START, END], keyTime: `${START};${END}`, headerList: ['host'], paramList: ['size'], signature: 40 },
    );
    refusedWith(() => parseCosAuthorization(undefined), 403, 'AccessDenied');
    refusedWith(() => parseCosAuthorization(''), 403, 'AccessDenied');
    refusedWith(() => parseCosAuthorization('Bearer abc'), 400, 'InvalidArgument');
    const good = signed().headers.authorization!;
    refusedWith(() => parseCosAuthorization(good.replace('q-sign-algorithm=sha1', 'q-sign-algorithm=md5')), 400, 'InvalidArgument');
    refusedWith(() => parseCosAuthorization(good.replace(`q-sign-time=${START};${END}`, `q-sign-time=${END};${START}`)), 400, 'InvalidArgument');
    refusedWith(() => parseCosAuthorization(good.replace(/&q-signature=.*$/, '')), 400, 'InvalidArgument');
    refusedWith(() => verifyCosSignature({ ...signed(), rawQuery: 'size=10&Size=11' }, SECRET_KEY, { now: START }), 400, 'InvalidArgument');
  });

  it("cosEncode is the SDK's camSafeUrlEncode", () => {
    const sdkUtil = createRequire(import.meta.url)('cos-nodejs-sdk-v5/sdk/util.js') as { camSafeUrlEncode(s: string): string };
    let all = 'é€😀';
    for (let c = 32; c < 127; c++) all += String.fromCharCode(c);
    assert.equal(cosEncode(all), sdkUtil.camSafeUrlEncode(all));
    assert.equal(cosEncode("a b!'()*~"), 'a%20b%21%27%28%29%2A~');
  });
});
