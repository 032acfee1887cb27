/**
 * Alibaba Cloud signatures proved against the official clients, unmodified: @alicloud/pop-core 1.8.0 (RPC v1) and
 * @alicloud/openapi-core 1.0.8 (ACS3, and v1 with signatureAlgorithm 'v2') talk to a loopback server that verifies
 * every request with verifyAliyunSignature and answers in the cloud's JSON. Refusals replay captured SDK requests
 * with one thing changed, so each proves that exact change is caught.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import OpenApi from '@alicloud/openapi-core';
import {
  AliyunError,
  percentEncode,
  readAccessKeyId,
  verifyAliyunSignature,
  type AliyunRequest,
  type SignatureCheck,
} from '../src/api/aliyun/signature.js';
import { callRpc, openApiClient as sdkClient } from './aliyun-sdk.js';

const AK = 'LTAIvdnaAliyunDoor01';
const SECRET = 'aliyun-door-secret-0123456789';
const VERSION = '2020-11-09';
const TRICKY = "é 中文 *x' ~!() a+b&c=d";
const SKEW = 15 * 60_000;

/** A request as the server saw it, with what it answered ('ok' or an error Code). */
interface Seen {
  req: AliyunRequest;
  url: string;
  outcome: string;
  check?: SignatureCheck;
}

const seen: Seen[] = [];
/** Added to the server's clock: +20 min makes every SDK timestamp 20 min old, -20 min 20 min early. */
let clockOffsetMs = 0;
let port = 0;

function toAliyunRequest(method: string, url: string, headers: Record<string, string | undefined>, body: Buffer): AliyunRequest {
  const u = new URL(url, 'http://door');
  const form = /^application\/x-www-form-urlencoded/i.test(headers['content-type'] ?? '')
    ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
    : {};
  return { method, path: u.pathname, query: Object.fromEntries(u.searchParams), form, headers, body };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
    const entry: Seen = { req: toAliyunRequest(req.method ?? 'GET', req.url ?? '/', headers, Buffer.concat(chunks)), url: req.url ?? '/', outcome: 'ok' };
    seen.push(entry);
    res.setHeader('content-type', 'application/json');
    try {
      if (readAccessKeyId(entry.req) !== AK) throw new AliyunError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
      entry.check = verifyAliyunSignature(entry.req, SECRET, Date.now() + clockOffsetMs);
      res.end(JSON.stringify({ RequestId: 'r1', Ok: true }));
    } catch (err) {
      if (!(err instanceof AliyunError)) throw err;
      entry.outcome = err.code;
      res.statusCode = err.status;
      res.end(JSON.stringify({ RequestId: 'r1', HostId: headers.host ?? 'vdna', Code: err.code, Message: err.message }));
    }
  });
});

const last = () => seen[seen.length - 1];

/** Sends a hand-changed copy of a captured request (Host and all as captured); answers status and JSON. */
function replay(method: string, url: string, headers: Record<string, string | undefined>, body = ''): Promise<{ status: number; json: Record<string, string> }> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && k !== 'content-length' && k !== 'connection') out[k] = v;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: url, headers: out }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The captured URL with one query parameter set to `value` (or removed when undefined), re-encoded. */
function withParam(url: string, name: string, value: string | undefined): string {
  const u = new URL(url, 'http://door');
  if (value === undefined) u.searchParams.delete(name);
  else u.searchParams.set(name, value);
  return u.pathname + u.search;
}

// pop-core: RPC v1 always; endpoint must carry the scheme and may carry a path prefix.
function popClient(prefix = '', secret = SECRET) {
  return new RPCClient({ accessKeyId: AK, accessKeySecret: secret, endpoint: `http://127.0.0.1:${port}${prefix}`, apiVersion: VERSION });
}

function openApiClient(prefix = '', opts: { secret?: string; signatureAlgorithm?: string } = {}) {
  return sdkClient(`127.0.0.1:${port}${prefix}`, AK, opts.secret ?? SECRET, opts.signatureAlgorithm);
}

const SUBMIT_QUERY = {
  DBId: 'db-1',
  PrimaryKey: 'key 1*',
  Input: JSON.stringify({ Type: 'OSS', Media: 'oss://bucket/a b(1).mp4' }),
  Config: JSON.stringify({ SaveType: 'save', MediaType: 'video', Note: `it's "quoted" (x)!` }),
  UserData: TRICKY,
};

/** SubmitDNAJob exactly as the generated IMS SDK calls it: everything in the query, no body. */
function submitDnaJob(client: InstanceType<typeof OpenApi.default>, body?: Record<string, string>) {
  return callRpc(client, 'SubmitDNAJob', VERSION, SUBMIT_QUERY, body);
}

type SdkError = Error & { code?: string; data?: Record<string, string> };

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});
afterEach(() => {
  clockOffsetMs = 0;
});

describe('percentEncode', () => {
  it('is encodeURIComponent with !\'()* escaped and ~ kept', () => {
    assert.equal(percentEncode("a b*c'd(e)f!g~h/é"), 'a%20b%2Ac%27d%28e%29f%21g~h%2F%C3%A9');
  });
  it('refuses text that is not well-formed Unicode as InvalidParameter', () => {
    assert.throws(() => percentEncode('\ud800'), (e: unknown) => e instanceof AliyunError && e.code === 'InvalidParameter' && e.status === 400);
  });
});

describe('RPC v1 from @alicloud/pop-core', () => {
  for (const prefix of ['', '/aliyun']) {
    for (const method of ['GET', 'POST'] as const) {
      it(`verifies ${method} at endpoint http://127.0.0.1:PORT${prefix}`, async () => {
        const params = { DBIds: 'a,b', Description: TRICKY, Name: 'x*y' };
        const answer = await popClient(prefix).request('ListDNADB', params, { method });
        assert.deepEqual({ ...(answer as object) }, { RequestId: 'r1', Ok: true });
        const s = last();
        assert.equal(s.outcome, 'ok');
        assert.equal(s.req.path, prefix ? `${prefix}/` : '/');
        assert.equal(s.req.method, method);
        // GET carries everything in the query; POST everything (Signature too) in a form body.
        const where = method === 'GET' ? s.req.query : s.req.form;
        assert.deepEqual(method === 'GET' ? s.req.form : s.req.query, {});
        assert.equal(where.Description, TRICKY);
        assert.equal(where.Format, 'JSON');
        assert.ok(where.Signature);
        assert.deepEqual(s.check, { accessKeyId: AK, scheme: 'RPC-v1', nonce: where.SignatureNonce });
      });
    }
  }

  it('matches the published example of the signature documentation', () => {
    // Alibaba's RPC signature doc: DescribeRegions with AccessKeyId testid, secret testsecret.
    const query = {
      AccessKeyId: 'testid',
      Action: 'DescribeRegions',
      Format: 'XML',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
      SignatureVersion: '1.0',
      Timestamp: '2016-02-23T12:46:24Z',
      Version: '2014-05-26',
      Signature: 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=',
    };
    const req: AliyunRequest = { method: 'GET', path: '/', query, form: {}, headers: {}, body: Buffer.alloc(0) };
    const now = Date.parse(query.Timestamp);
    assert.deepEqual(verifyAliyunSignature(req, 'testsecret', now), { accessKeyId: 'testid', scheme: 'RPC-v1', nonce: query.SignatureNonce });
    assert.throws(() => verifyAliyunSignature(req, 'testsecreT', now), { code: 'SignatureDoesNotMatch' });
    // The same parameters sent as a POST form sign 'POST&...', so the GET signature no longer holds.
    assert.throws(() => verifyAliyunSignature({ ...req, method: 'POST', query: {}, form: query }, 'testsecret', now), { code: 'SignatureDoesNotMatch' });
  });

  it('refuses a wrong secret with SignatureDoesNotMatch, surfaced by pop-core as the error code', async () => {
    const err: SdkError = await popClient('', 'not-the-secret').request('ListDNADB', { DBIds: 'a' }, { method: 'GET' }).then(
      () => assert.fail('pop-core accepted a refused request'),
      (e: SdkError) => e,
    );
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.data?.Code, 'SignatureDoesNotMatch');
    assert.equal(err.data?.RequestId, 'r1');
    assert.equal(last().outcome, 'SignatureDoesNotMatch');
  });

  it('refuses an unknown access key with InvalidAccessKeyId.NotFound', async () => {
    const client = new RPCClient({ accessKeyId: 'LTAIunknown', accessKeySecret: SECRET, endpoint: `http://127.0.0.1:${port}`, apiVersion: VERSION });
    await assert.rejects(client.request('ListDNADB', {}, { method: 'POST' }), { code: 'InvalidAccessKeyId.NotFound' });
  });

  for (const offset of [20, -20]) {
    it(`refuses a Timestamp ${offset > 0 ? '20 min old' : '20 min ahead'} with InvalidTimeStamp.Expired`, async () => {
      clockOffsetMs = offset * 60_000;
      await assert.rejects(popClient().request('ListDNADB', { DBIds: 'a' }, { method: 'GET' }), { code: 'InvalidTimeStamp.Expired' });
      assert.equal(last().outcome, 'InvalidTimeStamp.Expired');
    });
  }

  it('accepts a Timestamp exactly maxSkew away and refuses one a millisecond beyond', async () => {
    await popClient().request('ListDNADB', { DBIds: 'a' }, { method: 'GET' });
    const { req } = last();
    const t = Date.parse(req.query.Timestamp);
    assert.equal(verifyAliyunSignature(req, SECRET, t + SKEW).scheme, 'RPC-v1');
    assert.equal(verifyAliyunSignature(req, SECRET, t - SKEW).scheme, 'RPC-v1');
    assert.throws(() => verifyAliyunSignature(req, SECRET, t + SKEW + 1), { code: 'InvalidTimeStamp.Expired' });
    assert.throws(() => verifyAliyunSignature(req, SECRET, t - SKEW - 1), { code: 'InvalidTimeStamp.Expired' });
    assert.throws(() => verifyAliyunSignature(req, SECRET, t + 61_000, 60_000), { code: 'InvalidTimeStamp.Expired' });
  });

  it('refuses a query value changed after signing with SignatureDoesNotMatch', async () => {
    await popClient('/aliyun').request('ListDNADB', { DBIds: 'a,b' }, { method: 'GET' });
    const { url, req } = last();
    assert.equal((await replay('GET', url, req.headers)).status, 200); // the untouched copy passes
    const { status, json } = await replay('GET', withParam(url, 'DBIds', 'a,c'), req.headers);
    assert.equal(status, 400);
    assert.equal(json.Code, 'SignatureDoesNotMatch');
  });

  it('refuses a form value changed after signing, and a GET replay of a POST', async () => {
    await popClient().request('ListDNADB', { DBIds: 'a,b' }, { method: 'POST' });
    const { url, req } = last();
    const form = new URLSearchParams(req.body.toString('utf8'));
    assert.equal((await replay('POST', url, req.headers, form.toString())).status, 200);
    form.set('DBIds', 'a,c');
    assert.equal((await replay('POST', url, req.headers, form.toString())).json.Code, 'SignatureDoesNotMatch');
    form.set('DBIds', 'a,b');
    assert.equal((await replay('GET', `/?${form}`, { host: req.headers.host })).json.Code, 'SignatureDoesNotMatch');
  });

  it('refuses missing, malformed and unsupported signing fields with their own codes', async () => {
    await popClient().request('ListDNADB', { DBIds: 'a' }, { method: 'GET' });
    const { url, req } = last();
    const code = async (u: string) => (await replay('GET', u, req.headers)).json.Code;
    assert.equal(await code(withParam(url, 'Signature', undefined)), 'MissingSignature');
    assert.equal(await code(withParam(url, 'SignatureNonce', undefined)), 'MissingSignatureNonce');
    assert.equal(await code(withParam(url, 'Timestamp', undefined)), 'MissingTimestamp');
    assert.equal(await code(withParam(url, 'Timestamp', '2024-01-01 00:00:00')), 'InvalidTimeStamp.Format');
    assert.equal(await code(withParam(url, 'Timestamp', new Date().toISOString().replace('Z', '+00:00'))), 'InvalidTimeStamp.Format');
    assert.equal(await code(withParam(url, 'SignatureMethod', 'HMAC-SHA256')), 'InvalidSignatureMethod');
    assert.equal(await code(withParam(url, 'SignatureMethod', undefined)), 'MissingSignatureMethod');
  });

  it('refuses an unsigned request with MissingSignature (400)', async () => {
    const { status, json } = await replay('GET', `/?Action=ListDNADB&Version=${VERSION}&AccessKeyId=${AK}`, { host: `127.0.0.1:${port}` });
    assert.equal(status, 400);
    assert.deepEqual(Object.keys(json).sort(), ['Code', 'HostId', 'Message', 'RequestId']);
    assert.equal(json.Code, 'MissingSignature');
  });
});

describe('ACS3-HMAC-SHA256 from @alicloud/openapi-core', () => {
  for (const prefix of ['', '/aliyun']) {
    it(`verifies SubmitDNAJob as the generated SDK sends it, endpoint 127.0.0.1:PORT${prefix}`, async () => {
      const answer = await submitDnaJob(openApiClient(prefix));
      assert.deepEqual(answer.body, { RequestId: 'r1', Ok: true });
      const s = last();
      assert.equal(s.outcome, 'ok');
      assert.equal(s.req.method, 'POST');
      assert.equal(s.req.path, prefix ? `${prefix}/` : '/');
      // The prefix rides in Host, which is signed as received; the canonical URI stays '/'.
      assert.equal(s.req.headers.host, `127.0.0.1:${port}${prefix}`);
      assert.deepEqual(s.req.query, SUBMIT_QUERY); // Action/Version only in headers
      assert.equal(s.req.headers['x-acs-action'], 'SubmitDNAJob');
      assert.equal(s.req.headers['x-acs-version'], VERSION);
      assert.equal(s.req.body.length, 0);
      assert.deepEqual(s.check, { accessKeyId: AK, scheme: 'ACS3-HMAC-SHA256', nonce: s.req.headers['x-acs-signature-nonce'] });
    });
  }

  it('verifies a form body through x-acs-content-sha256', async () => {
    await submitDnaJob(openApiClient('/aliyun'), { Description: TRICKY });
    const s = last();
    assert.equal(s.outcome, 'ok');
    assert.equal(s.req.form.Description, TRICKY);
    assert.match(s.req.headers.authorization ?? '', /SignedHeaders=content-type;host;/);
  });

  it('matches the published example of the V3 signature documentation', () => {
    // Alibaba's V3 doc example: RunInstances on ecs.cn-shanghai, YourAccessKeyId / YourAccessKeySecret.
    const headers = {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-acs-date': '2023-10-26T09:01:01Z',
      'x-acs-signature-nonce': 'd410180a5abf7fe235dd9b74aca91fc0',
      'x-acs-version': '2014-05-26',
      authorization:
        'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804',
    };
    const query = { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' };
    const req: AliyunRequest = { method: 'POST', path: '/', query, form: {}, headers, body: Buffer.alloc(0) };
    const now = Date.parse(headers['x-acs-date']);
    assert.deepEqual(verifyAliyunSignature(req, 'YourAccessKeySecret', now), {
      accessKeyId: 'YourAccessKeyId',
      scheme: 'ACS3-HMAC-SHA256',
      nonce: 'd410180a5abf7fe235dd9b74aca91fc0',
    });
    assert.throws(() => verifyAliyunSignature({ ...req, method: 'GET' }, 'YourAccessKeySecret', now), { code: 'SignatureDoesNotMatch' });
    assert.throws(() => verifyAliyunSignature({ ...req, headers: { ...headers, host: 'ecs.aliyuncs.com' } }, 'YourAccessKeySecret', now), {
      code: 'SignatureDoesNotMatch',
    });
  });

  it('refuses a wrong secret with SignatureDoesNotMatch, surfaced as err.code and err.data', async () => {
    const err: SdkError = await submitDnaJob(openApiClient('', { secret: 'not-the-secret' })).then(
      () => assert.fail('openapi-core accepted a refused request'),
      (e: SdkError) => e,
    );
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.data?.Code, 'SignatureDoesNotMatch');
    assert.equal(last().outcome, 'SignatureDoesNotMatch');
  });

  for (const offset of [20, -20]) {
    it(`refuses an x-acs-date ${offset > 0 ? '20 min old' : '20 min ahead'} with InvalidTimeStamp.Expired`, async () => {
      clockOffsetMs = offset * 60_000;
      await assert.rejects(submitDnaJob(openApiClient()), { code: 'InvalidTimeStamp.Expired' });
      assert.equal(last().outcome, 'InvalidTimeStamp.Expired');
    });
  }

  it('refuses a query value changed after signing with SignatureDoesNotMatch', async () => {
    await submitDnaJob(openApiClient('/aliyun'));
    const { url, req } = last();
    assert.equal((await replay('POST', url, req.headers)).status, 200);
    const { status, json } = await replay('POST', withParam(url, 'Config', '{"SaveType":"nosave"}'), req.headers);
    assert.equal(status, 400);
    assert.equal(json.Code, 'SignatureDoesNotMatch');
  });

  it('refuses a body that does not hash to x-acs-content-sha256 with SignatureDoesNotMatch', async () => {
    await submitDnaJob(openApiClient());
    const { url, req } = last();
    const { status, json } = await replay('POST', url, { ...req.headers, 'content-type': 'application/x-www-form-urlencoded' }, 'DBId=other');
    assert.equal(status, 400);
    assert.equal(json.Code, 'SignatureDoesNotMatch');
    assert.match(json.Message, /x-acs-content-sha256/);
  });

  it('refuses unsigned x-acs-* headers, missing fields and foreign algorithms with their own codes', async () => {
    await submitDnaJob(openApiClient());
    const { url, req } = last();
    const code = async (headers: Record<string, string | undefined>) => (await replay('POST', url, headers)).json.Code;
    assert.equal(await code({ ...req.headers, 'x-acs-extra': '1' }), 'IncompleteSignature');
    assert.equal(await code({ ...req.headers, 'x-acs-signature-nonce': undefined }), 'MissingSignatureNonce');
    assert.equal(await code({ ...req.headers, 'x-acs-date': undefined }), 'MissingTimestamp');
    assert.equal(await code({ ...req.headers, 'x-acs-date': '2024/01/01 00:00:00' }), 'InvalidTimeStamp.Format');
    assert.equal(await code({ ...req.headers, 'x-acs-content-sha256': undefined }), 'IncompleteSignature');
    assert.equal(await code({ ...req.headers, authorization: `ACS3-HMAC-SHA256 Credential=${AK},Signature=ab` }), 'IncompleteSignature');
    assert.equal(await code({ ...req.headers, authorization: req.headers.authorization!.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3') }), 'InvalidSignatureMethod');
    assert.equal(await code({ ...req.headers, 'x-acs-action': 'DeleteDNADB' }), 'SignatureDoesNotMatch');
  });

  for (const prefix of ['', '/aliyun']) {
    it(`verifies RPC v1 when Config.signatureAlgorithm is 'v2', endpoint 127.0.0.1:PORT${prefix}`, async () => {
      const answer = await submitDnaJob(openApiClient(prefix, { signatureAlgorithm: 'v2' }));
      assert.deepEqual(answer.body, { RequestId: 'r1', Ok: true });
      const s = last();
      assert.equal(s.outcome, 'ok');
      assert.equal(s.req.headers.authorization, undefined);
      assert.equal(s.req.headers.host, `127.0.0.1:${port}${prefix}`);
      assert.equal(s.req.query.Action, 'SubmitDNAJob');
      assert.equal(s.req.query.Format, 'json');
      assert.equal(s.req.query.UserData, TRICKY);
      assert.deepEqual(s.check, { accessKeyId: AK, scheme: 'RPC-v1', nonce: s.req.query.SignatureNonce });
    });
  }
});

describe('readAccessKeyId', () => {
  const base: AliyunRequest = { method: 'GET', path: '/', query: {}, form: {}, headers: {}, body: Buffer.alloc(0) };
  it('reads the v1 parameter from the query or the form, and the ACS3 Credential', () => {
    assert.equal(readAccessKeyId({ ...base, query: { AccessKeyId: 'q' } }), 'q');
    assert.equal(readAccessKeyId({ ...base, form: { AccessKeyId: 'f' } }), 'f');
    const authorization = 'ACS3-HMAC-SHA256 Credential=acs,SignedHeaders=host,Signature=00';
    assert.equal(readAccessKeyId({ ...base, query: { AccessKeyId: 'q' }, headers: { authorization } }), 'acs');
  });
  it('refuses an absent key with MissingAccessKeyId and a malformed ACS3 header with IncompleteSignature', () => {
    assert.throws(() => readAccessKeyId(base), (e: unknown) => e instanceof AliyunError && e.status === 400 && e.code === 'MissingAccessKeyId');
    assert.throws(() => readAccessKeyId({ ...base, headers: { authorization: 'ACS3-HMAC-SHA256 SignedHeaders=host,Signature=00' } }), {
      code: 'IncompleteSignature',
    });
    assert.throws(() => readAccessKeyId({ ...base, headers: { authorization: 'ACS3-HMAC-SHA256' } }), { code: 'IncompleteSignature' });
  });
});
