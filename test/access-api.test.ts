/** Keys, policies and accounts over real HTTP, against a real `vdna serve`, and the key commands of the CLI. */
import assert from 'node:assert/strict';
import { openAsBlob, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ServiceClient } from '../src/cli/client.js';
import { media, tempDir, vdna } from './helpers.js';
import { ADMIN_TOKEN, startServer, waitForJob, type RunningServer } from './service-helpers.js';

const SINTEL = media('video/zwm_sintel_10s.mp4');
const FLOWER = media('video/mdn_flower.webm');

describe('accounts, keys and policies over HTTP', () => {
  const dir = tempDir();
  let server: RunningServer;

  before(async () => {
    server = await startServer(join(dir.path, 'data'), ['--allow-path', media('video'), '--rate-limit', '200']);
  });
  after(async () => {
    await server?.stop();
    dir.cleanup();
  });

  const key = async (body: object) => {
    const r = await server.api('POST', '/v1/keys', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as { AccessKeyId: string; AccessKeySecret: string; Token: string };
  };

  test('no key: 401 UNAUTHENTICATED everywhere but /healthz and the docs; a bad key too', async () => {
    for (const [method, path] of [['GET', '/v1/libraries'], ['POST', '/v1/jobs'], ['DELETE', '/v1/libraries/x'], ['GET', '/metrics'], ['GET', '/v1/audit']]) {
      const r = await server.api(method, path, undefined, null);
      assert.deepEqual([r.status, r.body.Code], [401, 'UNAUTHENTICATED'], `${method} ${path}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal((await server.api('GET', '/healthz', undefined, null)).status, 200);
    assert.equal((await server.api('GET', '/openapi.json', undefined, null)).status, 200);
    assert.equal((await server.api('GET', '/v1/libraries', undefined, 'vdna_NOPE_nope')).body.Code, 'UNAUTHENTICATED');
    const basic = await fetch(`${server.url}/v1/libraries`, { headers: { authorization: 'Basic YTpi' } });
    assert.equal(basic.status, 401);
  });

  test('a key limited to library/films searches films; anything about news is 403 ACCESS_DENIED naming the action', async () => {
    await server.api('POST', '/v1/libraries', { Name: 'films' });
    await server.api('POST', '/v1/libraries', { Name: 'news' });
    let r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'sintel', Input: { Type: 'Path', Source: SINTEL } });
    await waitForJob(server, r.body.JobId);
    const partner = await key({
      Account: 'default',
      Description: 'partner: search films only',
      Policy: { Statement: [{ Effect: 'Allow', Action: ['vdna:SubmitJob', 'vdna:GetJob', 'vdna:GetJobResult', 'vdna:ListJobs'], Resource: ['library/films'] }] },
    });
    const as = (method: string, path: string, body?: unknown) => server.api(method, path, body, partner.Token);
    // A server path is read with the server's rights: the partner may not name one (vdna:ReadPath); it uploads.
    r = await as('POST', '/v1/jobs', { Library: 'films', Mode: 'nosave', Input: { Type: 'Path', Source: SINTEL } });
    assert.deepEqual([r.status, r.body.Code], [403, 'ACCESS_DENIED']);
    const search = new FormData();
    search.set('Library', 'films');
    search.set('Media', await openAsBlob(SINTEL), 'query.mp4');
    r = await as('POST', '/v1/jobs', search);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const job = await waitForJob(server, r.body.JobId);
    assert.equal(job.State, 'Success');
    r = await as('GET', `/v1/jobs/${job.JobId}/result`);
    assert.equal(r.body.Matches[0].PrimaryKey, 'sintel');
    // Search and nothing else: saving and deleting are refused, before an upload is even written.
    const form = new FormData();
    form.set('Library', 'films');
    form.set('Mode', 'onlysave');
    form.set('PrimaryKey', 'pirate');
    form.set('Media', await openAsBlob(SINTEL), 'sintel.mp4');
    r = await as('POST', '/v1/jobs', form);
    assert.deepEqual([r.status, r.body.Code], [403, 'ACCESS_DENIED']);
    assert.match(r.body.Message, /vdna:AddItems/);
    assert.deepEqual(readdirSync(join(dir.path, 'data', 'staging')).filter((f) => !f.startsWith('.')), [], 'nothing was written');
    r = await as('POST', '/v1/jobs', { Library: 'films', Mode: 'delete', PrimaryKey: 'sintel' });
    assert.deepEqual([r.status, r.body.Code], [403, 'ACCESS_DENIED']);
    // A key that may read jobs but not results is not handed a presigned ResultUrl.
    const watcher = await key({ Account: 'default', Policy: { Statement: [{ Effect: 'Allow', Action: 'vdna:GetJob', Resource: 'library/films' }] } });
    r = await server.api('GET', `/v1/jobs/${job.JobId}`, undefined, watcher.Token);
    assert.equal(r.status, 200);
    assert.equal(r.body.ResultUrl, undefined);
    assert.equal((await server.api('GET', `/v1/jobs/${job.JobId}/result`, undefined, watcher.Token)).status, 403);
    for (const [method, path, body, action] of [
      ['POST', '/v1/jobs', { Library: 'news', Input: { Type: 'Path', Source: SINTEL } }, 'vdna:SubmitJob'],
      ['GET', '/v1/libraries/news', undefined, 'vdna:GetLibrary'],
      ['DELETE', '/v1/libraries/news', undefined, 'vdna:DeleteLibrary'],
      ['DELETE', '/v1/libraries/films', undefined, 'vdna:DeleteLibrary'],
      ['GET', '/v1/libraries/films/items', undefined, 'vdna:ListItems'],
      ['POST', '/v1/queues/default/pause', undefined, 'vdna:PauseQueue'],
      ['GET', '/v1/jobs?Library=news', undefined, 'vdna:ListJobs'],
      ['POST', '/v1/keys', { Account: 'default', Admin: true }, 'vdna:CreateKey'],
      ['GET', '/metrics', undefined, 'vdna:ReadMetrics'],
    ] as const) {
      r = await as(method, path, body);
      assert.deepEqual([r.status, r.body.Code], [403, 'ACCESS_DENIED'], `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.Message, new RegExp(action));
    }
    assert.deepEqual((await as('GET', '/v1/libraries')).body.Libraries, [], 'the key may list no library');
    r = await as('GET', '/v1/jobs');
    assert.ok(r.body.Jobs.length >= 2 && r.body.Jobs.every((j: { Library: string }) => j.Library === 'films'));
    // The admin's audit log has the partner's calls: what it did, and what it was refused.
    const audit = (await server.api('GET', '/v1/audit?Limit=100')).body.Entries as Array<Record<string, string>>;
    const partnerCalls = audit.filter((e) => e.AccessKeyId === partner.AccessKeyId);
    assert.ok(partnerCalls.some((e) => e.Action === 'vdna:SubmitJob' && e.Resource === 'library/films' && e.Outcome === 'Allowed'));
    assert.ok(partnerCalls.some((e) => e.Action === 'vdna:DeleteLibrary' && e.Resource === 'library/news' && e.Outcome === 'Denied'));
    assert.ok(audit.every((e) => e.RequestId), 'each entry names its request');
  });

  test('two accounts with a library of the same name never see each other: libraries, items, jobs, results are 404', async () => {
    await server.api('POST', '/v1/accounts', { Name: 'acme' });
    await server.api('POST', '/v1/accounts', { Name: 'globex' });
    const acme = await key({ Account: 'acme', Admin: true });
    const globex = await key({ Account: 'globex', Admin: true });
    const a = (m: string, p: string, b?: unknown) => server.api(m, p, b, acme.Token);
    const g = (m: string, p: string, b?: unknown) => server.api(m, p, b, globex.Token);
    assert.equal((await a('POST', '/v1/libraries', { Name: 'shared' })).status, 201);
    assert.equal((await g('POST', '/v1/libraries', { Name: 'shared' })).status, 201, 'names are per account');
    let r = await a('POST', '/v1/jobs', { Library: 'shared', Mode: 'onlysave', PrimaryKey: 'acme-only', Input: { Type: 'Path', Source: FLOWER } });
    const acmeJob = await waitForJob(server, r.body.JobId, 60_000, undefined, acme.Token);
    assert.equal(acmeJob.State, 'Success');
    assert.deepEqual((await g('GET', '/v1/libraries/shared/items')).body.Items, []);
    assert.deepEqual((await a('GET', '/v1/libraries/shared/items')).body.Items.map((i: { PrimaryKey: string }) => i.PrimaryKey), ['acme-only']);
    assert.deepEqual((await g('GET', '/v1/libraries')).body.Libraries.map((l: { Name: string }) => l.Name), ['shared']);
    assert.equal((await g('GET', '/v1/jobs')).body.Jobs.length, 0);
    // Another account's job answers exactly as a job that does not exist.
    const missing = await g('GET', '/v1/jobs/00000000000000000000000000000000');
    for (const path of [`/v1/jobs/${acmeJob.JobId}`, `/v1/jobs/${acmeJob.JobId}/result`, `/v1/jobs/${acmeJob.JobId}/deliveries`]) {
      r = await g('GET', path);
      assert.deepEqual([r.status, r.body.Code, r.body.Message.replace(acmeJob.JobId, 'ID')], [404, 'UNKNOWN_JOB', missing.body.Message.replace('00000000000000000000000000000000', 'ID')]);
    }
    assert.deepEqual((await g('GET', `/v1/jobs?JobIds=${acmeJob.JobId}`)).body.NonExistJobIds, [acmeJob.JobId]);
    assert.equal((await g('POST', `/v1/jobs/${acmeJob.JobId}/cancel`)).status, 404);
    // Search in globex's "shared" finds nothing of acme's.
    r = await g('POST', '/v1/jobs', { Library: 'shared', Input: { Type: 'Path', Source: FLOWER } });
    const search = await waitForJob(server, r.body.JobId, 60_000, undefined, globex.Token);
    assert.deepEqual((await g('GET', `/v1/jobs/${search.JobId}/result`)).body.Matches, []);
    // Account administration stays in the account.
    assert.deepEqual([(await g('GET', '/v1/accounts/acme')).status, (await g('GET', '/v1/accounts/acme')).body.Code], [404, 'UNKNOWN_ACCOUNT']);
    assert.equal((await g('POST', '/v1/keys', { Account: 'acme', Admin: true })).status, 404);
    assert.equal((await g('DELETE', `/v1/keys/${acme.AccessKeyId}`)).status, 404);
    assert.equal((await g('POST', '/v1/accounts', { Name: 'initech' })).status, 403, 'only root keys create accounts');
    assert.deepEqual((await g('GET', '/v1/keys')).body.Keys.map((k: { Account: string }) => k.Account), ['globex']);
    assert.equal((await g('GET', '/v1/accounts/globex')).body.CallbackSecret.length > 20, true);
  });

  test('Host and Origin: unknown host names and other sites are refused', async () => {
    const port = new URL(server.url).port;
    const raw = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        import('node:http').then(({ request }) => {
          const req = request({ host: '127.0.0.1', port, path: '/v1/libraries', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          req.on('error', reject);
          req.end();
        });
      });
    let r = await raw({ host: `rebind.attacker.example:${port}` });
    assert.equal(r.status, 421);
    assert.equal(JSON.parse(r.body).Code, 'HOST_NOT_ALLOWED');
    r = await raw({ host: `localhost:${port}`, origin: 'https://evil.example.com' });
    assert.equal(r.status, 421);
    r = await raw({ host: `localhost:${port}`, origin: `http://localhost:${port}` });
    assert.equal(r.status, 200);
  });

  test('JSON bodies are parsed safely: prototype poisoning is refused', async () => {
    const r = await server.api('POST', '/v1/libraries', '{"Name": "x", "__proto__": {"polluted": true}}');
    assert.deepEqual([r.status, r.body.Code], [400, 'MALFORMED_REQUEST']);
  });

  test('a revoked key is refused at once', async () => {
    const k = await key({ Account: 'default', Admin: true });
    assert.equal((await server.api('GET', '/v1/libraries', undefined, k.Token)).status, 200);
    assert.equal((await server.api('DELETE', `/v1/keys/${k.AccessKeyId}`)).body.RevokeTime !== undefined, true);
    const r = await server.api('GET', '/v1/libraries', undefined, k.Token);
    assert.deepEqual([r.status, r.body.Code], [401, 'UNAUTHENTICATED']);
  });

  test('result URLs are presigned: fetched without a key until they expire; altered or expired ones are refused', async () => {
    const r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Path', Source: FLOWER } });
    const job = await waitForJob(server, r.body.JobId);
    const url = new URL(job.ResultUrl);
    assert.match(url.search, /^\?Expires=\d+&Signature=[0-9a-f]{64}$/);
    const get = (u: URL) => server.api('GET', u.pathname + u.search, undefined, null);
    assert.equal((await get(url)).status, 200);
    const altered = new URL(url);
    altered.searchParams.set('Signature', url.searchParams.get('Signature')!.replace(/^./, (c) => (c === '0' ? '1' : '0')));
    assert.deepEqual([(await get(altered)).status, (await get(altered)).body.Code], [403, 'ACCESS_DENIED']);
    const longer = new URL(url);
    longer.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 3600));
    assert.equal((await get(longer)).status, 403);
    const otherJob = new URL(url);
    otherJob.pathname = otherJob.pathname.replace(job.JobId, '0'.repeat(32));
    assert.equal((await get(otherJob)).status, 403);
    const expired = new URL(url);
    expired.searchParams.set('Expires', '1000000000');
    assert.equal((await get(expired)).status, 403);
    assert.equal((await server.api('GET', url.pathname, undefined, null)).status, 401, 'without the signature a key is needed');
  });

  test('a key over its rate limit gets 429 Throttling', async () => {
    const k = await key({ Account: 'default', Admin: true, RateLimit: 2 });
    const statuses = await Promise.all(Array.from({ length: 12 }, () => server.api('GET', '/v1/libraries', undefined, k.Token)));
    const throttled = statuses.filter((r) => r.status === 429);
    assert.ok(throttled.length >= 6, `429s: ${throttled.length}`);
    assert.equal(throttled[0].body.Code, 'Throttling');
    assert.ok(statuses.some((r) => r.status === 200));
  });

  test('requests signed with the access key pair (VDNA-HMAC-SHA256): accepted, and refused when replayed or altered', async () => {
    const k = await key({ Account: 'default', Admin: true });
    const client = new ServiceClient(server.url, { accessKeyId: k.AccessKeyId, secret: k.AccessKeySecret });
    const libs = await client.request<{ Libraries: Array<{ Name: string }> }>('GET', '/v1/libraries');
    assert.ok(libs.Libraries.some((l) => l.Name === 'films'));
    const job = await client.submit({ Library: 'films', Mode: 'nosave' }, { file: FLOWER });
    assert.equal(job.State === 'Queued' || job.State === 'Running', true);
    const created = await client.request<{ Name: string }>('POST', '/v1/libraries', { Name: 'signed-lib' });
    assert.equal(created.Name, 'signed-lib');
    const bad = new ServiceClient(server.url, { accessKeyId: k.AccessKeyId, secret: 'wrong-secret' });
    await assert.rejects(bad.request('GET', '/v1/libraries'), (e: { code?: string }) => e.code === 'UNAUTHENTICATED');
    // Replays and altered bodies: sign one request, send it twice, then with another body.
    const { signRequest } = await import('../src/access/request-signature.js');
    const url = new URL('/v1/libraries', server.url);
    const body = JSON.stringify({ Name: 'replayed' });
    const headers = signRequest({ method: 'POST', url, headers: {}, body, accessKeyId: k.AccessKeyId, secret: k.AccessKeySecret });
    const send = (b: string) => fetch(url, { method: 'POST', body: b, headers: { ...headers, 'content-type': 'application/json' } });
    assert.equal((await send(body)).status, 201);
    assert.equal((await send(body)).status, 401, 'a replayed nonce is refused');
    const unsigned = signRequest({ method: 'POST', url, headers: {}, body: 'UNSIGNED-PAYLOAD', accessKeyId: k.AccessKeyId, secret: k.AccessKeySecret });
    const json = await fetch(url, { method: 'POST', body: JSON.stringify({ Name: 'unsigned' }), headers: { ...unsigned, 'content-type': 'application/json' } });
    assert.equal(json.status, 401, 'only multipart uploads may leave their body unsigned');
    const tampered = signRequest({ method: 'POST', url, headers: {}, body, accessKeyId: k.AccessKeyId, secret: k.AccessKeySecret });
    const r = await fetch(url, { method: 'POST', body: JSON.stringify({ Name: 'tampered' }), headers: { ...tampered, 'content-type': 'application/json' } });
    assert.equal(r.status, 401, 'a body other than the signed one is refused');
  });

  test('CLI: vdna jobs with --key, VDNA_API_KEY or the signed key pair; refused without', async () => {
    const k = await key({ Account: 'default', Admin: true });
    const env = { VDNA_SERVER: server.url };
    let r = vdna(['jobs', 'list', '--library', 'films', '--limit', '1'], env);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\[UNAUTHENTICATED\]/);
    r = vdna(['jobs', 'list', '--library', 'films', '--limit', '1', '--key', k.Token], env);
    assert.equal(r.status, 0, r.stderr);
    r = vdna(['jobs', 'list', '--library', 'films', '--json'], { ...env, VDNA_ACCESS_KEY_ID: k.AccessKeyId, VDNA_ACCESS_KEY_SECRET: k.AccessKeySecret });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).Jobs.length > 0);
    r = vdna(['jobs', 'submit', 'films', FLOWER, '--wait', '--json'], { ...env, VDNA_API_KEY: ADMIN_TOKEN });
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('the key commands of the CLI, on the data directory', () => {
  test('accounts create/list, keys create (admin, policy file)/list/revoke, audit', async () => {
    const dir = tempDir();
    const data = join(dir.path, 'data');
    const run = (...args: string[]) => vdna(['--data', data, ...args]);
    try {
      let r = run('accounts', 'create', 'acme', '--json');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).Name, 'acme');
      assert.equal(run('accounts', 'create', 'acme').status, 2);
      const policy = join(dir.path, 'films.json');
      writeFileSync(policy, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['vdna:SubmitJob', 'vdna:GetJob'], Resource: ['library/films'] }] }));
      r = run('keys', 'create', '--account', 'acme', '--policy', policy, '--description', 'partner', '--json');
      assert.equal(r.status, 0, r.stderr);
      const partner = JSON.parse(r.stdout);
      assert.match(partner.Token, /^vdna_/);
      assert.deepEqual(partner.Policy.Statement[0].Resource, ['library/films']);
      writeFileSync(policy, '{"Statement": [{"Effect": "Allow", "Action": "vdna:Fly", "Resource": "*"}]}');
      r = run('keys', 'create', '--account', 'acme', '--policy', policy);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /vdna:Fly.*\[INVALID_ARGUMENT\]/);
      r = run('keys', 'create', '--account', 'acme', '--admin');
      assert.match(r.stdout, /VDNA_API_KEY=vdna_\S+\n\s+AccessKeyId=\S+\n\s+AccessKeySecret=\S+/);
      r = run('keys', 'list', '--account', 'acme', '--json');
      const keys = JSON.parse(r.stdout).Keys;
      assert.equal(keys.length, 2);
      assert.ok(!r.stdout.includes(partner.Token) && !r.stdout.includes(partner.AccessKeySecret), 'secrets are never listed');
      r = run('keys', 'revoke', partner.AccessKeyId);
      assert.equal(r.status, 0, r.stderr);
      assert.match(run('keys', 'list').stdout, new RegExp(`${partner.AccessKeyId}\\s+acme\\s+revoked`));
      assert.equal(run('keys', 'revoke', 'NOSUCHKEY').status, 2);
      assert.deepEqual(JSON.parse(run('accounts', 'list', '--json').stdout).Accounts.map((a: { Name: string }) => a.Name), ['acme']);
      assert.equal(run('audit', '--json').status, 0);
    } finally {
      dir.cleanup();
    }
  });
});

describe('--no-auth', () => {
  test('only on loopback, and only for loopback host names', async () => {
    const dir = tempDir();
    const refused = vdna(['--data', join(dir.path, 'd1'), 'serve', '--no-auth', '--host', '0.0.0.0', '--port', '0']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /loopback/);
    const server = await startServer(join(dir.path, 'data'), ['--no-auth'], { VDNA_ADMIN_KEY: '' });
    try {
      assert.equal((await server.api('GET', '/v1/libraries', undefined, null)).status, 200);
      const port = new URL(server.url).port;
      const rebinding = await new Promise<number>((resolve, reject) => {
        // A DNS-rebinding page reaches 127.0.0.1 under its own host name.
        import('node:http').then(({ request }) => {
          const req = request({ host: '127.0.0.1', port, path: '/v1/libraries', headers: { host: `evil.example.com:${port}` } }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          });
          req.on('error', reject);
          req.end();
        });
      });
      assert.equal(rebinding, 421, 'a DNS-rebinding host name is refused');
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });
});
