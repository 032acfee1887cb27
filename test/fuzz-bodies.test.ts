/**
 * Hostile request bodies (issue P5), a seeded few hundred of them, against a real `vdna serve`: the
 * native JSON API (job submissions, libraries, keys, item deletion, media; multipart uploads), the
 * Tencent door's XML (and JSON; DTDs and entities, billion laughs, external entities), the Alibaba
 * door's RPC parameters, signed and unsigned. Every answer must come within a bound, be a success or
 * a 4xx in the door's own error shape, carry no stack trace, server path or expanded entity; the
 * server stays up, logs no error, its policies still hold, and a normal job still works afterwards.
 * The default queue is paused throughout: a fuzzed submission that happens to be valid never runs.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { percentEncode } from '../src/api/aliyun/signature.js';
import { deepArray, ENTITY_ATTACKS, jsonMutants, NOT_AN_OBJECT, ODD_PARAMS, toXml, xmlMutants } from './fuzz/bodies.js';
import { ERROR_CODES, hasStackTrace } from './fuzz/checks.js';
import { Rand } from './fuzz/mutate.js';
import { media, ROOT, tempDir } from './helpers.js';
import { ADMIN_TOKEN, startServer, waitForJob, type RunningServer } from './service-helpers.js';

const SEED = 0xb0d1e5;
/** An answer slower than this is a hang. */
const ANSWER_MS = 15_000;
const ALIYUN = { id: 'LTAI5tVdnaFuzz0001', secret: 'aliyun-fuzz-secret-0123' };
const TENCENT = { id: 'AKIDvdnaFuzz0001', secret: 'tencent-fuzz-secret-0123' };
const BUCKET = 'fuzzbucket-1250000000';
const CLIP = media('video/zwm_caminandes_10s.mp4');

/** Codes of the native door: src/errors.ts, and those Fastify's own failures are renamed to (src/api/errors.ts). */
const NATIVE_CODES = new Set([...ERROR_CODES, 'NOT_FOUND', 'URI_TOO_LONG', 'REQUEST_TOO_LARGE']);
/** The CI error codes the Tencent door documents. */
const TENCENT_CODES = new Set(['InvalidArgument', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'AccessDenied', 'ExpiredToken', 'NoSuchResource', 'EntityTooLarge']);

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

describe('fuzzed request bodies', () => {
  const dir = tempDir('vdna-fuzz-bodies-');
  const dataDir = join(dir.path, 'data');
  let server: RunningServer;
  let dbId: string;
  let narrowToken: string;
  /** Every problem found, as "label: what"; asserted empty per door. */
  let problems: string[] = [];
  let requests = 0;
  /** Answers by status, per test: shows how deep the fuzz reached (not every answer a schema's 400). */
  let statuses = new Map<string, number>();

  before(async () => {
    // S3 reads would go to a closed port: no fuzzed job can reach the network, and none runs anyway.
    server = await startServer(dataDir, ['--rate-limit', '0', '--tencent-bucket', BUCKET, '--s3-endpoint', 'http://127.0.0.1:1', '--allow-path', media('video')], {
      VDNA_ACCESS_KEYS: `default:${ALIYUN.id}:${ALIYUN.secret},default:${TENCENT.id}:${TENCENT.secret}`,
    });
    assert.equal((await server.api('POST', '/v1/queues/default/pause')).status, 200);
    dbId = `Db${(await server.api('POST', '/v1/libraries', { Name: 'films' })).body.LibraryId}`;
    const narrow = await server.api('POST', '/v1/keys', { Account: 'default', Policy: { Statement: [{ Effect: 'Allow', Action: ['vdna:GetJob'], Resource: ['library/none'] }] } });
    narrowToken = narrow.body.Token;
  });
  after(async () => {
    await server?.stop();
    dir.cleanup();
  });

  /** One request, bounded in time; a hang is recorded as a problem (status 0). */
  async function send(label: string, method: string, path: string, body?: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Answer> {
    requests++;
    try {
      const res = await fetch(server.url + path, { method, headers, body, signal: AbortSignal.timeout(ANSWER_MS) });
      const text = await res.text();
      const kind = `${res.status} ${/"Code":"([^"]+)"|<Code>([^<]+)<\/Code>/.exec(text)?.slice(1).join('') ?? ''}`.trim();
      statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
      return { status: res.status, text, headers: res.headers };
    } catch (err) {
      problems.push(`${label}: no answer (${(err as Error).name}: ${(err as Error).message})`);
      return { status: 0, text: '', headers: new Headers() };
    }
  }

  /** What no answer may do, whatever the door: fail with a 5xx, show a stack or a server path, expand an entity. */
  function common(label: string, a: Answer): boolean {
    const leak = [dataDir, ROOT, 'node_modules', 'root:x:0:0', 'lollollol'].find((s) => a.text.includes(s));
    if (a.status === 0) return false;
    if (a.status >= 500) problems.push(`${label}: ${a.status} ${a.text.slice(0, 300)}`);
    else if (hasStackTrace(a.text)) problems.push(`${label}: stack trace in ${a.text.slice(0, 300)}`);
    else if (leak) problems.push(`${label}: answer holds "${leak}": ${a.text.slice(0, 300)}`);
    else return true;
    return false;
  }

  /** The answer's JSON body, or undefined (and a problem noted) when it is not JSON. */
  function jsonBody(label: string, a: Answer): any {
    try {
      return JSON.parse(a.text);
    } catch {
      problems.push(`${label}: ${a.status} not JSON: ${a.text.slice(0, 200)}`);
      return undefined;
    }
  }

  function judgeNative(label: string, a: Answer): void {
    if (!common(label, a) || a.status < 400) return;
    const body = jsonBody(label, a);
    if (body === undefined) return;
    if (!NATIVE_CODES.has(body?.Code) || typeof body.Message !== 'string') problems.push(`${label}: ${a.status} not {Code, Message}: ${a.text.slice(0, 300)}`);
  }

  function judgeTencent(label: string, a: Answer): string | undefined {
    if (!common(label, a)) return undefined;
    if (a.status < 400) {
      if (!a.text.includes('<Response>')) problems.push(`${label}: ${a.status} without <Response>: ${a.text.slice(0, 200)}`);
      return undefined;
    }
    const code = /^<\?xml[^>]*>\s*<Error><Code>(\w+)<\/Code><Message>[^<]*<\/Message>/.exec(a.text)?.[1];
    if (!code || !TENCENT_CODES.has(code) || !a.headers.get('x-ci-request-id')) problems.push(`${label}: ${a.status} not CI's <Error>: ${a.text.slice(0, 300)}`);
    return code;
  }

  function judgeAliyun(label: string, a: Answer): void {
    if (!common(label, a)) return;
    const body = jsonBody(label, a);
    if (body === undefined) return;
    if (typeof body?.RequestId !== 'string') problems.push(`${label}: no RequestId: ${a.text.slice(0, 200)}`);
    else if (a.status < 400 && 'Code' in body) problems.push(`${label}: a success carries a top-level Code: ${a.text.slice(0, 200)}`);
    else if (a.status >= 400 && !(/^[A-Z][\w.]*$/.test(body.Code) && body.Code !== 'InternalError' && typeof body.Message === 'string' && body.HostId)) {
      problems.push(`${label}: ${a.status} not {RequestId, HostId, Code, Message}: ${a.text.slice(0, 300)}`);
    }
  }

  /** The problems found since the last call (the status tally goes to the test's diagnostics). */
  const take = (t: { diagnostic: (s: string) => void }) => {
    t.diagnostic(`answers: ${[...statuses].sort().map(([k, n]) => `${k} x${n}`).join(', ')}`);
    const found = problems;
    problems = [];
    statuses = new Map();
    return found;
  };

  test('native API: fuzzed JSON and multipart bodies answer 2xx or a coded 4xx', async (t) => {
    const r = new Rand(SEED);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const targets: Array<[string, string, Record<string, unknown>, number]> = [
      ['POST', '/v1/jobs', { Library: 'films', Mode: 'save', PrimaryKey: 'k1', Priority: 1, Input: { Type: 'URL', Source: 'https://example.com/a.mp4' }, UserData: 'u', Queue: 'default', Callback: { Type: 'HTTP', Url: 'https://hooks.example.com/x', Format: 'json' } }, 110],
      ['POST', '/v1/libraries', { Name: 'fz1', MediaType: 'audio', Description: 'fuzz' }, 40],
      ['POST', '/v1/keys', { Account: 'default', Description: 'fuzz', Policy: { Statement: [{ Effect: 'Allow', Action: ['vdna:ListLibraries'], Resource: ['library/films'] }] }, RateLimit: 5 }, 40],
      ['DELETE', '/v1/libraries/films/items', { PrimaryKeys: ['a', 'b'] }, 20],
      ['POST', '/v1/media', { Title: 'clip', Input: { Type: 'Path', Source: CLIP } }, 20],
    ];
    for (const [method, path, doc, count] of targets) {
      // The unmutated document is accepted: each mutant is one fault away from a valid request.
      const base = await send(`${path} valid`, method, path, JSON.stringify(doc), { ...auth, 'content-type': 'application/json' });
      assert.ok(base.status >= 200 && base.status < 300, `${method} ${path}: ${base.status} ${base.text}`);
      for (const m of jsonMutants(doc, count, r)) {
        const a = await send(`${method} ${path} ${m.label}`, method, path, m.body, { ...auth, 'content-type': m.contentType ?? 'application/json' });
        judgeNative(`${method} ${path} ${m.label}`, a);
      }
      for (const body of NOT_AN_OBJECT) judgeNative(`${path} body ${JSON.stringify(body.slice(0, 20))}`, await send(path, method, path, body, { ...auth, 'content-type': 'application/json' }));
    }

    // Queries and path parameters: odd values for every filter, cursor and id of the GET routes.
    const queries: Array<[string, string[]]> = [
      ['/v1/jobs', ['JobIds', 'State', 'Library', 'Queue', 'Since', 'Until', 'Limit', 'Cursor', 'Extra']],
      ['/v1/libraries/films/items', ['Limit', 'Cursor']],
      ['/v1/audit', ['Account', 'Since', 'Limit', 'Cursor']],
      ['/v1/media', ['Limit', 'Cursor']],
      ['/v1/deliveries/failed', ['Limit', 'Cursor']],
    ];
    const values = ODD_PARAMS.filter((v) => v.length < 2000);
    for (let i = 0; i < 40; i++) {
      const [path, names] = r.pick(queries);
      const query = new URLSearchParams({ [r.pick(names)]: r.pick(values), [r.pick(names)]: r.pick(values) });
      judgeNative(`GET ${path}?${query}`.slice(0, 120), await send(path, 'GET', `${path}?${query}`, undefined, auth));
    }
    for (const id of values.slice(0, 20)) {
      const path = r.pick(['/v1/jobs/', '/v1/libraries/', '/v1/media/', '/v1/jobs/x/result?Expires=1&Signature=', '/v1/accounts/']) + encodeURIComponent(id);
      judgeNative(`GET ${path}`.slice(0, 120), await send(path, 'GET', path, undefined, auth));
    }

    // Multipart: odd field names, missing or doubled parts, a broken or unfinished form, limits.
    const part = (name: string, value: string, filename?: string) =>
      `--B\r\nContent-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
    const forms: Record<string, string> = {
      protoField: part('__proto__', '{"polluted":true}') + part('constructor', 'x') + part('Library', 'films') + part('Media', 'not media', 'a.mp4') + '--B--\r\n',
      noMedia: part('Library', 'films') + '--B--\r\n',
      twoMedia: part('Library', 'films') + part('Media', 'x', 'a.mp4') + part('Media', 'y', 'b.mp4') + '--B--\r\n',
      mediaFirst: part('Media', 'x', 'a.mp4') + part('Library', 'films') + '--B--\r\n',
      unfinished: part('Library', 'films') + '--B\r\nContent-Disposition: form-data; name="Media"; filename="a.mp4"\r\n\r\nabc',
      pathName: part('Library', 'films') + part('Mode', 'nosave') + part('Media', 'x', '../../../../etc/passwd\u0000.mp4') + '--B--\r\n',
      oddLibrary: part('Library', '\u0000..') + part('Media', 'x', 'a.mp4') + '--B--\r\n',
      hugeField: part('Library', 'films') + part('UserData', 'u'.repeat(70 * 1024)) + part('Media', 'x', 'a.mp4') + '--B--\r\n',
      manyFields: Array.from({ length: 30 }, (_, i) => part(`F${i}`, 'v')).join('') + '--B--\r\n',
      garbage: '\u0000\u00ff--B\r\n\r\n\r\n--B',
    };
    for (const [label, body] of Object.entries(forms)) {
      judgeNative(`multipart ${label}`, await send(label, 'POST', '/v1/jobs', body, { ...auth, 'content-type': 'multipart/form-data; boundary=B' }));
    }
    judgeNative('multipart without boundary', await send('no boundary', 'POST', '/v1/jobs', forms.noMedia, { ...auth, 'content-type': 'multipart/form-data' }));
    assert.deepEqual(take(t), []);
  });

  test('Tencent door: fuzzed XML and JSON bodies, entity attacks refused unexpanded, odd queries and signatures', async (t) => {
    const r = new Rand(SEED + 1);
    const host = new URL(server.url).host;
    const sign = (method: 'GET' | 'PUT' | 'POST', key: string, secret = TENCENT.secret) =>
      COS.getAuthorization({ SecretId: TENCENT.id, SecretKey: secret, Method: method, Key: key, Headers: { host } });
    const post = (label: string, body: string | Uint8Array<ArrayBuffer>, type = 'application/xml') =>
      send(label, 'POST', '/tencent/jobs', body, { authorization: sign('POST', 'jobs'), 'content-type': type });
    const doc = {
      Request: {
        Tag: 'DNA',
        Input: { Object: 'input/a.mp4' },
        Operation: { DnaConfig: { RuleType: 'FindSimilarVideo', DnaDbId: dbId, VideoId: 'v1' }, JobLevel: '1', UserData: 'u' },
        CallBack: 'https://hooks.example.com/ci',
        CallBackFormat: 'JSON',
        CallBackType: 'URL',
      },
    };
    // The unmutated document is accepted: the mutants below are one fault away from a valid request.
    assert.equal((await post('valid', `<?xml version="1.0"?>${toXml(doc)}`)).status, 200);

    for (const m of xmlMutants(doc, 110, r)) judgeTencent(`XML ${m.label}`, await post(`XML ${m.label}`, typeof m.body === 'string' ? `<?xml version="1.0"?>${m.body}` : m.body));
    for (const m of jsonMutants(doc, 30, r)) judgeTencent(`JSON ${m.label}`, await post(`JSON ${m.label}`, m.body, 'application/json'));
    for (const [name, body] of Object.entries(ENTITY_ATTACKS)) {
      const a = await post(name, body);
      const code = judgeTencent(`entity ${name}`, a);
      if (a.status !== 400 || code !== 'InvalidArgument') problems.push(`entity ${name}: ${a.status} ${code}: not refused as InvalidArgument: ${a.text.slice(0, 200)}`);
    }
    // A RuleType named after an Object.prototype member is an unknown rule like any other.
    for (const rule of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const body = toXml({ Request: { ...doc.Request, Operation: { DnaConfig: { RuleType: rule, DnaDbId: dbId } } } });
      const a = await post(`RuleType ${rule}`, body);
      if (judgeTencent(`RuleType ${rule}`, a) && !/RuleType must be/.test(a.text)) problems.push(`RuleType ${rule}: not named as a bad RuleType: ${a.text.slice(0, 200)}`);
    }

    // Queries: odd values in every parameter of the GET routes, ids in the path; cancels of odd ids.
    const queryValues = ODD_PARAMS.filter((v) => v.length < 2000);
    const routes: Array<[string, string[]]> = [
      ['jobs', ['size', 'states', 'queueId', 'tag', 'orderByTime', 'nextToken', 'startCreationTime', 'endCreationTime']],
      ['dnadb', ['ids', 'pageNumber', 'pageSize']],
      ['dnadb_files', ['dnaDbId', 'object', 'pageNumber', 'pageSize']],
    ];
    for (let i = 0; i < 40; i++) {
      const [route, params] = r.pick(routes);
      const query = new URLSearchParams({ [r.pick(params)]: r.pick(queryValues), [r.pick(params)]: r.pick(queryValues) });
      judgeTencent(`GET ${route}?${query}`.slice(0, 120), await send(route, 'GET', `/tencent/${route}?${query}`, undefined, { authorization: sign('GET', route) }));
    }
    for (let i = 0; i < 15; i++) {
      const id = r.pick(queryValues);
      const method = r.pick(['GET', 'PUT'] as const);
      judgeTencent(`${method} jobs/${id.slice(0, 30)}`, await send(`jobs/${id}`, method, `/tencent/jobs/${encodeURIComponent(id)}`, undefined, { authorization: sign(method, `jobs/${id}`) }));
    }

    // Unsigned, badly signed and malformed Authorization headers.
    const auths = ['', 'q-sign-algorithm=sha1', 'q-ak=%ZZ&q-sign-time=1;2', `q-sign-algorithm=sha1&q-ak=${TENCENT.id}&q-sign-time=99999999999999;1&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00`,
      sign('POST', 'jobs', 'wrong-secret'), sign('POST', 'jobs').replace(TENCENT.id, 'AKIDnobody'), sign('POST', 'jobs').replace(/q-header-list=[^&]*/, `q-header-list=${'a;'.repeat(2000)}`), 'x'.repeat(8000)];
    for (const [i, authorization] of auths.entries()) {
      const a = await send(`auth ${i}`, 'POST', '/tencent/jobs', toXml(doc), { ...(authorization && { authorization }), 'content-type': 'application/xml' });
      judgeTencent(`auth ${i} ${authorization.slice(0, 40)}`, a);
      if (a.status < 400) problems.push(`auth ${i}: accepted (${a.status})`);
    }
    judgeTencent('body over the limit', await post('big', `<Request><UserData>${'x'.repeat(2 << 20)}</UserData></Request>`));
    assert.deepEqual(take(t), []);
  });

  test('Alibaba door: fuzzed RPC parameters, signed (GET and POST) and unsigned', async (t) => {
    const r = new Rand(SEED + 2);
    /** RPC v1 as pop-core signs it: every parameter, sorted and percent-encoded, HMAC-SHA1 under "secret&". */
    const signed = (params: Record<string, string>, method: string) => {
      const all: Record<string, string> = {
        Format: 'JSON', AccessKeyId: ALIYUN.id, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0',
        Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), SignatureNonce: randomUUID(), ...params,
      };
      let canonical: string;
      try {
        canonical = Object.keys(all).sort().map((k) => `${percentEncode(k)}=${percentEncode(all[k])}`).join('&');
      } catch {
        return all; // not well-formed Unicode: sent unsigned
      }
      return { ...all, Signature: createHmac('sha1', `${ALIYUN.secret}&`).update(`${method}&${percentEncode('/')}&${percentEncode(canonical)}`).digest('base64') };
    };
    const call = async (label: string, params: Record<string, string>, method = r.pick(['GET', 'POST'])) => {
      const query = new URLSearchParams(signed(params, method)).toString();
      // Long values go in a form body: a request line over the parser's limit answers before any door.
      const a = method === 'GET' && query.length < 8000
        ? await send(label, 'GET', `/aliyun/?${query}`)
        : await send(label, 'POST', '/aliyun/', query, { 'content-type': 'application/x-www-form-urlencoded' });
      judgeAliyun(label, a);
      return a;
    };

    const db = (await server.api('GET', '/v1/libraries/films')).body.LibraryId as string;
    const ACTIONS: Record<string, Record<string, string>> = {
      CreateDNADB: { Name: 'fzdb', Model: 'Video', Description: 'd' },
      ListDNADB: { DBIds: db },
      DeleteDNADB: { DBId: 'nonexistent' },
      SubmitDNAJob: { DBId: db, PrimaryKey: 'p1', Input: '{"Type":"OSS","Media":"oss://fuzz-bucket/a.mp4"}', Config: '{"SaveType":"save"}', UserData: 'u' },
      QueryDNAJobList: { JobIds: 'a,b' },
      CancelDNAJob: { JobId: 'nope' },
      ListDNAFiles: { DBId: db, PageSize: '10', NextPageToken: '' },
      DeleteDNAFiles: { DBId: db, PrimaryKeys: 'a,b' },
    };
    const ok = await call('valid SubmitDNAJob', { Action: 'SubmitDNAJob', Version: '2020-11-09', ...ACTIONS.SubmitDNAJob }, 'POST');
    assert.equal(ok.status, 200, ok.text);

    for (let i = 0; i < 110; i++) {
      const action = r.pick(Object.keys(ACTIONS));
      const params: Record<string, string> = { Action: action, Version: '2020-11-09', ...ACTIONS[action] };
      // Odd Actions and Versions have their own cases below.
      const name = r.pick([...Object.keys(ACTIONS[action]), 'Extra']);
      params[name] = r.pick(ODD_PARAMS);
      await call(`${action} ${name}=${JSON.stringify(params[name].slice(0, 30))}`, params);
    }
    // Action and Version named after Object.prototype members are unknown APIs, not handlers.
    for (const [action, version] of [['constructor', '2020-11-09'], ['toString', '2017-03-21'], ['hasOwnProperty', '2020-11-09'], ['toString', '__proto__'], ['valueOf', 'constructor'], ['__proto__', '2020-11-09']]) {
      const a = await call(`Action ${action} Version ${version}`, { Action: action, Version: version }, 'POST');
      if (a.status !== 404 || JSON.parse(a.text).Code !== 'InvalidApi.NotFound') problems.push(`Action ${action} Version ${version}: ${a.status} ${a.text.slice(0, 200)}`);
    }
    // Models named after Object.prototype members are not models.
    for (const model of ['constructor', 'toString', '__proto__']) {
      const a = await call(`Model ${model}`, { Action: 'CreateDNADB', Version: '2020-11-09', Name: 'fzmodel', Model: model }, 'POST');
      if (a.status !== 400 || !/Model must be/.test(a.text)) problems.push(`Model ${model}: ${a.status} ${a.text.slice(0, 200)}`);
    }

    // Unsigned and malformed: no signature, an unknown key, a wrong one, broken ACS3 headers, odd encodings.
    const raw: Array<[string, string, Record<string, string>?]> = [
      ['no parameters', ''],
      ['no signature', `Action=ListDNADB&Version=2020-11-09&AccessKeyId=${ALIYUN.id}`],
      ['unknown key', 'Action=ListDNADB&Version=2020-11-09&AccessKeyId=LTAInobody&Signature=x&SignatureMethod=HMAC-SHA1&Timestamp=2020-01-01T00:00:00Z&SignatureNonce=1'],
      ['wrong signature', new URLSearchParams({ ...signed({ Action: 'ListDNADB', Version: '2020-11-09' }, 'POST'), Signature: 'AAAA' }).toString()],
      ['expired', new URLSearchParams({ ...signed({ Action: 'ListDNADB', Version: '2020-11-09', Timestamp: '2001-01-01T00:00:00Z' }, 'POST') }).toString()],
      ['bad time', new URLSearchParams({ ...signed({ Action: 'ListDNADB', Version: '2020-11-09', Timestamp: 'yesterday' }, 'POST') }).toString()],
      ['sha256', new URLSearchParams({ ...signed({ Action: 'ListDNADB', Version: '2020-11-09', SignatureMethod: 'HMAC-SHA256' }, 'POST') }).toString()],
      ['bad percent', `Action=%ZZ&Version=%E0%A4%A&AccessKeyId=${ALIYUN.id}&Signature=%`],
      ['repeated', `AccessKeyId=${ALIYUN.id}&AccessKeyId=x&Signature=a&Signature=b`],
      ['deep', `Input=${deepArray(50_000)}&AccessKeyId=${ALIYUN.id}`],
      ['acs3 bare', '', { authorization: 'ACS3-HMAC-SHA256' }],
      ['acs3 empty fields', '', { authorization: 'ACS3-HMAC-SHA256 Credential=,SignedHeaders=,Signature=' }],
      ['acs3 other algorithm', '', { authorization: `ACS3-HMAC-MD5 Credential=${ALIYUN.id},SignedHeaders=host,Signature=00` }],
      ['acs3 no date', '', { authorization: `ACS3-HMAC-SHA256 Credential=${ALIYUN.id},SignedHeaders=host,Signature=00` }],
      ['acs3 unsigned header', '', { authorization: `ACS3-HMAC-SHA256 Credential=${ALIYUN.id},SignedHeaders=x,Signature=00`, 'x-acs-date': new Date().toISOString(), 'x-acs-signature-nonce': randomUUID(), 'x-acs-content-sha256': 'x', 'x-acs-action': 'ListDNADB' }],
    ];
    for (const [label, form, headers] of raw) {
      const a = await send(label, 'POST', '/aliyun/', form, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
      judgeAliyun(`unsigned ${label}`, a);
      if (a.status < 400) problems.push(`unsigned ${label}: accepted (${a.status})`);
    }
    assert.deepEqual(take(t), []);
  });

  test('afterwards: the server is up and logged no error, policies hold, a normal job runs', async () => {
    assert.ok(requests >= 300, `${requests} requests sent`);
    assert.deepEqual([server.proc.exitCode, server.proc.signalCode], [null, null], 'the server is alive');
    assert.equal((await server.api('GET', '/healthz', undefined, null)).status, 200);
    const errors = server.log().split('\n').filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, [], 'nothing logged at error level');
    // No fuzzed key or __proto__ widened a policy: the narrow key may still do nothing but read jobs of "none".
    assert.equal((await server.api('POST', '/v1/libraries', { Name: 'sneaky' }, narrowToken)).body.Code, 'ACCESS_DENIED');
    assert.deepEqual((await server.api('GET', '/v1/libraries', undefined, narrowToken)).body.Libraries, []);
    assert.equal((await server.api('GET', '/v1/libraries', undefined, 'vdna_forged_token')).status, 401);
    // A normal job, in a queue of its own (the default one stays paused with whatever the fuzz queued).
    const r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'clip', Queue: 'after', Input: { Type: 'Path', Source: CLIP } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await waitForJob(server, r.body.JobId, 60_000)).State, 'Success');
    const items = (await server.api('GET', '/v1/libraries/films/items')).body.Items.map((i: any) => i.PrimaryKey);
    assert.ok(items.includes('clip'), JSON.stringify(items));
  });
});
