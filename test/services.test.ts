/** The services, call by call, on an in-memory engine: library, job and access rules, policies and accounts. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, test } from 'node:test';
import { localCaller, type Caller } from '../src/access/caller.js';
import { parsePolicy } from '../src/access/policy.js';
import { createServices, localSettings, type Services } from '../src/services/index.js';
import { FileBlobs } from '../src/store/blobs/files.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';

const code = (expected: string) => (err: { code?: string }) => {
  assert.equal(err.code, expected);
  return true;
};

function open(): Services {
  const settings = localSettings('/nonexistent');
  return createServices({ ...openSqliteStores(':memory:'), blobs: new FileBlobs('/nonexistent') }, randomBytes(32), { ...settings, inputs: { ...settings.inputs, s3: { region: 'us-east-1', forcePathStyle: true } } });
}

describe('services on an in-memory engine', () => {
  let s: Services;
  let admin: Caller;
  beforeEach(() => {
    s = open();
    admin = localCaller('acme');
  });

  test('libraries: create, duplicate, list, describe, delete; names are per account', async () => {
    const films = await s.libraries.create(admin, 'films', 'video', 'feature films');
    assert.match(films.id, /^[0-9a-f]{32}$/);
    await assert.rejects(s.libraries.create(admin, 'films'), code('DUPLICATE_LIBRARY'));
    await assert.rejects(s.libraries.create(admin, '../x'), code('INVALID_ARGUMENT'));
    await assert.rejects(s.libraries.create(admin, 'x', 'smell' as never), code('INVALID_ARGUMENT'));
    const other = localCaller('other');
    const theirs = await s.libraries.create(other, 'films', 'audio');
    assert.notEqual(theirs.id, films.id);
    assert.deepEqual((await s.libraries.list(admin)).map((l) => [l.name, l.mediaType]), [['films', 'video']]);
    assert.equal((await s.libraries.get(other, 'films')).mediaType, 'audio');
    await s.libraries.delete(other, 'films');
    await assert.rejects(s.libraries.get(other, 'films'), code('UNKNOWN_LIBRARY'));
    assert.equal((await s.libraries.get(admin, 'films')).id, films.id, "deleting another account's library of that name leaves ours");
  });

  test('items: paging bounds and bulk deletes of 1-50 keys', async () => {
    await s.libraries.create(admin, 'films');
    await assert.rejects(s.libraries.items(admin, 'films', { limit: 0 }), code('INVALID_ARGUMENT'));
    await assert.rejects(s.libraries.deleteItems(admin, 'films', []), code('INVALID_ARGUMENT'));
    await assert.rejects(s.libraries.deleteItems(admin, 'films', Array.from({ length: 51 }, (_, i) => `k${i}`)), code('INVALID_ARGUMENT'));
    await assert.rejects(s.libraries.deleteItems(admin, 'films', ['bad\u0000key']), code('INVALID_ARGUMENT'));
    assert.deepEqual(await s.libraries.deleteItems(admin, 'films', ['a', 'a', 'b']), { deleted: [], notFound: ['a', 'b'] });
    await assert.rejects(s.libraries.remove(admin, 'films', 'a'), code('UNKNOWN_KEY'));
  });

  test('job submissions: every rule is checked before anything queues', async () => {
    await s.libraries.create(admin, 'films');
    const url = { type: 'URL', source: 'https://example.com/a.mp4' };
    const refused: Array<[object, string]> = [
      [{}, 'INVALID_ARGUMENT'],
      [{ library: 'nope', input: url }, 'UNKNOWN_LIBRARY'],
      [{ library: 'films', mode: 'teleport', input: url }, 'INVALID_ARGUMENT'],
      [{ library: 'films', mode: 'save', input: url }, 'INVALID_ARGUMENT'],
      [{ library: 'films', mode: 'delete', primaryKey: 'k', input: url }, 'INVALID_ARGUMENT'],
      [{ library: 'films' }, 'INVALID_ARGUMENT'],
      [{ library: 'films', input: url, priority: 3 }, 'INVALID_ARGUMENT'],
      [{ library: 'films', input: url, userData: 'x'.repeat(1025) }, 'INVALID_ARGUMENT'],
      [{ library: 'films', input: url, queue: '-bad' }, 'INVALID_ARGUMENT'],
      [{ library: 'films', input: { type: 'URL', source: 'file:///etc/passwd' } }, 'URL_NOT_ALLOWED'],
      [{ library: 'films', input: { type: 'Path', source: '/etc/passwd' } }, 'PATH_NOT_ALLOWED'],
      [{ library: 'films', input: { type: 'Upload', source: 'x' } }, 'INVALID_ARGUMENT'],
      [{ library: 'films', input: url, callback: { type: 'redis', stream: 's' } }, 'INVALID_ARGUMENT'],
    ];
    for (const [req, expected] of refused) await assert.rejects(s.jobs.submit(admin, req), code(expected), JSON.stringify(req));
    assert.deepEqual((await s.jobs.list(admin, {})).jobs, []);
    const job = await s.jobs.submit(admin, { library: 'films', mode: 'delete', primaryKey: 'k', priority: '2' });
    assert.deepEqual([job.kind, job.mode, job.priority, job.state, job.queue], ['delete', 'delete', 2, 'Queued', 'default']);
  });

  test('jobs: reads by id (at most ten), cancel, results once ended, queues', async () => {
    await s.libraries.create(admin, 'films');
    const a = await s.jobs.submit(admin, { library: 'films', mode: 'delete', primaryKey: 'k' });
    const theirs = await s.jobs.submit(localCaller('other'), { library: 'films', mode: 'delete', primaryKey: 'k' }).catch((e) => e);
    assert.equal(theirs.code, 'UNKNOWN_LIBRARY', "the other account has no library films");
    assert.deepEqual(await s.jobs.getMany(admin, [a.id, 'nope', a.id]), { jobs: [a], unknown: ['nope'] });
    await assert.rejects(s.jobs.getMany(admin, Array.from({ length: 11 }, (_, i) => `j${i}`)), code('INVALID_ARGUMENT'));
    await assert.rejects(s.jobs.get(localCaller('other'), a.id), code('UNKNOWN_JOB'));
    await assert.rejects(s.jobs.result(admin, a.id), code('RESULT_NOT_READY'));
    assert.equal((await s.jobs.cancel(admin, a.id)).state, 'Cancelled');
    await assert.rejects(s.jobs.cancel(admin, a.id), code('JOB_NOT_CANCELLABLE'));
    const { job, result } = await s.jobs.result(admin, a.id);
    assert.deepEqual([job.state, result], ['Cancelled', undefined]);
    await assert.rejects(s.jobs.list(admin, { states: ['Sleeping' as never] }), code('INVALID_ARGUMENT'));
    await assert.rejects(s.jobs.list(admin, { limit: 101 }), code('INVALID_ARGUMENT'));
    assert.equal((await s.jobs.setPaused(admin, 'default', true)).paused, true);
    await assert.rejects(s.jobs.setPaused(admin, 'nosuch', true), code('INVALID_ARGUMENT'));
  });

  test('deleting a library cancels its waiting jobs', async () => {
    await s.libraries.create(admin, 'films');
    await s.libraries.create(admin, 'news');
    const a = await s.jobs.submit(admin, { library: 'films', mode: 'delete', primaryKey: 'k' });
    const b = await s.jobs.submit(admin, { library: 'news', mode: 'delete', primaryKey: 'k' });
    await s.libraries.delete(admin, 'films');
    assert.deepEqual([(await s.jobs.get(admin, a.id)).state, (await s.jobs.get(admin, b.id)).state], ['Cancelled', 'Queued']);
  });

  test('a policy limited to one library: allowed there, ACCESS_DENIED elsewhere, lists filtered, denials audited', async () => {
    await s.libraries.create(admin, 'films');
    await s.libraries.create(admin, 'news');
    const policy = parsePolicy({
      Statement: [{ Effect: 'Allow', Action: ['vdna:SubmitJob', 'vdna:DeleteItems', 'vdna:GetJob', 'vdna:List*', 'vdna:GetJobResult'], Resource: ['library/films'] }],
    });
    const partner: Caller = { account: 'acme', keyId: 'VDNAPARTNER', root: false, policy };
    const job = await s.jobs.submit(partner, { library: 'films', mode: 'delete', primaryKey: 'k' });
    // Searching is SubmitJob; storing needs AddItems too, and a queue of its own SubmitJob on it.
    await assert.rejects(s.jobs.submit(partner, { library: 'films', mode: 'save', primaryKey: 'k', input: { type: 'URL', source: 'https://e.example.com/a.mp4' } }), code('ACCESS_DENIED'));
    await assert.rejects(s.jobs.submit(partner, { library: 'films', mode: 'delete', primaryKey: 'k', queue: 'fast' }), code('ACCESS_DENIED'));
    await assert.rejects(s.jobs.submit(partner, { library: 'films', input: { type: 'S3', source: 's3://bucket/key.mp4' } }), code('ACCESS_DENIED'));
    assert.equal(s.jobs.mayReadResult(partner, job), true);
    assert.equal((await s.jobs.get(partner, job.id)).id, job.id);
    await assert.rejects(s.jobs.submit(partner, { library: 'news', mode: 'delete', primaryKey: 'k' }), code('ACCESS_DENIED'));
    await assert.rejects(s.libraries.delete(partner, 'films'), code('ACCESS_DENIED'));
    await assert.rejects(s.libraries.create(partner, 'films2'), code('ACCESS_DENIED'));
    const newsJob = await s.jobs.submit(admin, { library: 'news', mode: 'delete', primaryKey: 'k' });
    await assert.rejects(s.jobs.get(partner, newsJob.id), code('ACCESS_DENIED'));
    assert.deepEqual((await s.libraries.list(partner)).map((l) => l.name), ['films']);
    assert.deepEqual((await s.jobs.list(partner, {})).jobs.map((j) => j.id), [job.id], 'only the jobs of allowed libraries');
    assert.equal((await s.jobs.list(admin, {})).jobs.length, 2);
    assert.deepEqual(await s.jobs.queues(partner), [], 'no queue is allowed');
    const { entries } = await s.access.auditLog(admin, {});
    assert.ok(entries.some((e) => e.keyId === '(local)' && e.action === 'vdna:CreateLibrary' && e.resource === 'library/news'), 'the local operator is audited too');
    assert.deepEqual(
      entries.filter((e) => e.keyId === 'VDNAPARTNER').map((e) => [e.action, e.resource, e.outcome]).reverse(),
      [
        ['vdna:SubmitJob', 'library/films', 'Allowed'],
        ['vdna:AddItems', 'library/films', 'Denied'],
        ['vdna:SubmitJob', 'queue/fast', 'Denied'],
        ['vdna:ReadObject', 's3/bucket/key.mp4', 'Denied'],
        ['vdna:SubmitJob', 'library/films', 'Failed'],
        ['vdna:SubmitJob', 'library/news', 'Denied'],
        ['vdna:DeleteLibrary', 'library/films', 'Denied'],
        ['vdna:CreateLibrary', 'library/films2', 'Denied'],
        ['vdna:GetJob', 'library/news', 'Denied'],
      ],
    );
  });

  test('accounts and keys: first key, tokens, revocation, root and account admins, another account is missing', async () => {
    const first = (await s.access.bootstrap({}))!;
    assert.ok(first.root);
    assert.equal(await s.access.bootstrap({}), undefined, 'made once');
    const root = await s.access.authenticateToken(first.token);
    assert.deepEqual([root.account, root.root, root.keyId], ['default', true, first.id]);
    await assert.rejects(s.access.authenticateToken('vdna_nope_nope'), code('UNAUTHENTICATED'));

    const { callbackSecret } = await s.access.createAccount(root, 'acme');
    assert.equal(callbackSecret, await s.access.callbackSecret('acme'));
    await assert.rejects(s.access.createAccount(root, 'acme'), code('DUPLICATE_ACCOUNT'));
    const acmeAdmin = await s.access.authenticateToken((await s.access.createKey(root, { account: 'acme', admin: true })).token);
    await assert.rejects(s.access.createAccount(acmeAdmin, 'evil'), code('ACCESS_DENIED'));
    await assert.rejects(s.access.createKey(acmeAdmin, { account: 'default', admin: true }), code('UNKNOWN_ACCOUNT'));
    await assert.rejects(s.access.getAccount(acmeAdmin, 'default'), code('UNKNOWN_ACCOUNT'));
    await assert.rejects(s.access.createKey(acmeAdmin, { account: 'acme', admin: true, root: true }), code('ACCESS_DENIED'));
    await assert.rejects(s.access.createKey(acmeAdmin, { account: 'acme', admin: true, rateLimit: 0 }), code('ACCESS_DENIED'), 'only root lifts the rate limit');
    // A key allowed CreateKey but not everything cannot make a wider key (or any key).
    const keyMaker = await s.access.authenticateToken(
      (await s.access.createKey(acmeAdmin, { account: 'acme', policy: { Statement: [{ Effect: 'Allow', Action: 'vdna:CreateKey', Resource: '*' }] } })).token,
    );
    await assert.rejects(s.access.createKey(keyMaker, { account: 'acme', admin: true }), code('ACCESS_DENIED'));
    await assert.rejects(s.access.revokeKey(await s.access.authenticateToken((await s.access.createKey(root, { account: 'default', admin: true })).token), first.id), code('ACCESS_DENIED'), 'a non-root admin cannot revoke a root key');
    await assert.rejects(s.access.checkMetrics(acmeAdmin), code('ACCESS_DENIED'), 'the metrics are for root keys');
    assert.equal((await s.access.getAccount(keyMaker, 'acme').catch((e) => e)).code, 'ACCESS_DENIED');
    await assert.rejects(s.access.createKey(acmeAdmin, { account: 'acme', policy: { Statement: [] } }), code('INVALID_ARGUMENT'));
    await assert.rejects(s.access.createKey(acmeAdmin, { account: 'acme' }), code('INVALID_ARGUMENT'));
    const reader = await s.access.createKey(acmeAdmin, { account: 'acme', policy: { Statement: [{ Effect: 'Allow', Action: 'vdna:Get*', Resource: '*' }] } });
    assert.deepEqual((await s.access.listAccounts(acmeAdmin)).map((a) => a.name), ['acme']);
    assert.deepEqual((await s.access.listAccounts(root)).map((a) => a.name), ['acme', 'default']);
    assert.equal((await s.access.listKeys(acmeAdmin)).length, 3);
    await assert.rejects(s.access.revokeKey(acmeAdmin, first.id), code('UNKNOWN_KEY_ID'));
    await s.access.revokeKey(acmeAdmin, reader.id);
    await assert.rejects(s.access.authenticateToken(reader.token), code('UNAUTHENTICATED'));
    // Secrets are stored sealed, tokens as hashes: neither appears in the key record.
    const stored = (await s.stores.access.key(reader.id))!;
    assert.ok(!JSON.stringify(stored).includes(reader.secret) && !JSON.stringify(stored).includes(reader.token));
    assert.equal((await s.access.signingKey(reader.id))!.secret, reader.secret);
  });

  test('operator-given keys: VDNA_ADMIN_KEY and VDNA_ACCESS_KEYS', async () => {
    assert.equal(await s.access.bootstrap({ adminToken: 'operator-token-0123456789', accessKeys: 'acme:AKIDACME0001:s3cret-acme' }), undefined);
    assert.equal((await s.access.authenticateToken('operator-token-0123456789')).root, true);
    assert.equal((await s.access.signingKey('AKIDACME0001'))!.secret, 's3cret-acme');
    assert.equal((await s.access.signingKey('AKIDACME0001'))!.key.account, 'acme');
    await s.access.bootstrap({ adminToken: 'a-new-operator-token-987' });
    await assert.rejects(s.access.authenticateToken('operator-token-0123456789'), code('UNAUTHENTICATED'), 'a changed VDNA_ADMIN_KEY replaces the old');
    // A revoked operator-given key stays revoked across starts with the same value...
    const root = await s.access.authenticateToken('a-new-operator-token-987');
    await s.access.revokeKey(root, 'AKIDACME0001');
    await s.access.revokeKey(root, 'VDNAENVADMIN');
    await s.access.bootstrap({ adminToken: 'a-new-operator-token-987', accessKeys: 'acme:AKIDACME0001:s3cret-acme' });
    await assert.rejects(s.access.authenticateToken('a-new-operator-token-987'), code('UNAUTHENTICATED'));
    assert.ok((await s.access.signingKey('AKIDACME0001'))!.key.revokedAt, 'a revoked access key pair is not revived by a restart');
    // ...and a VDNA_ADMIN_KEY taken away stops working.
    await s.access.bootstrap({ adminToken: 'third-operator-token-0001' });
    assert.equal((await s.access.authenticateToken('third-operator-token-0001')).root, true);
    await s.access.bootstrap({});
    await assert.rejects(s.access.authenticateToken('third-operator-token-0001'), code('UNAUTHENTICATED'));
    await assert.rejects(s.access.bootstrap({ accessKeys: 'acme-no-secret' }), code('INVALID_ARGUMENT'));
  });
});
