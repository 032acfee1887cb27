/**
 * The server's parts for the web dashboard, over HTTP on a real `vdna serve`: the page at / beside the
 * Alibaba door's RPC calls, its security headers; the caller's permissions; a media's content with
 * Range requests and its pictures, by key and by presigned URL; one library item by key. Another
 * account's media and items answer exactly as missing ones.
 */
import assert from 'node:assert/strict';
import { openAsBlob, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { media, tempDir } from './helpers.js';
import { startServer, waitForJob, type RunningServer } from './service-helpers.js';

const CLIP = media('video/zwm_caminandes_10s.mp4');

describe('the web dashboard’s server parts', () => {
  const dir = tempDir();
  let server: RunningServer;
  let mediaId: string;
  let other: string;

  before(async () => {
    server = await startServer(dir.path, ['--workers', '1']);
    const form = new FormData();
    form.set('Media', await openAsBlob(CLIP), 'caminandes.mp4');
    const registered = await server.api('POST', '/v1/media', form);
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    mediaId = registered.body.MediaId;
    await server.api('POST', '/v1/accounts', { Name: 'other' });
    other = (await server.api('POST', '/v1/keys', { Account: 'other', Admin: true })).body.Token;
  });
  after(async () => {
    await server.stop();
    dir.cleanup();
  });

  test('/ is the page, with a strict Content-Security-Policy; RPC calls at / still reach the Alibaba door', async () => {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.match(csp, /media-src 'self'(;|$)/, 'without object storage, media come from this server only');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const html = await page.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    assert.doesNotMatch(html, /https?:\/\//, 'the page names no other origin');
    const js = await fetch(server.url + script);
    assert.match(js.headers.get('content-type')!, /^text\/javascript/);
    assert.match(js.headers.get('cache-control')!, /immutable/);
    assert.doesNotMatch(await js.text(), /\bhttps?:\/\/(?!www\.w3\.org)[a-z]/i, 'the bundle loads nothing from elsewhere');
    const rpc = await fetch(`${server.url}/?Action=ListDNADB&Version=2020-11-09`);
    assert.equal((await rpc.json()).Code, 'MissingAccessKeyId');
    const posted = await fetch(`${server.url}/`, { method: 'POST' });
    assert.ok(posted.headers.get('x-acs-request-id'), 'a POST to / is an RPC call');
  });

  test('the caller and what its policy allows, on a resource or on some resource of a kind', async () => {
    const policy = { Statement: [{ Effect: 'Allow', Action: ['vdna:SubmitJob', 'vdna:ListLibraries'], Resource: ['library/films'] }] };
    const narrow = (await server.api('POST', '/v1/keys', { Account: 'default', Policy: policy })).body;
    const who = await server.api('GET', '/v1/caller', undefined, narrow.Token);
    assert.deepEqual(who.body, { Account: 'default', AccessKeyId: narrow.AccessKeyId, Root: false });
    const checks = [
      { Action: 'vdna:SubmitJob', Resource: 'library/films' },
      { Action: 'vdna:SubmitJob', Resource: 'library/other' },
      { Action: 'vdna:SubmitJob' },
      { Action: 'vdna:CreateLibrary' },
      { Action: 'vdna:NoSuchAction' },
    ];
    const answer = await server.api('POST', '/v1/caller/permissions', { Checks: checks }, narrow.Token);
    assert.deepEqual(answer.body.Allowed, [true, false, true, false, false]);
    assert.equal((await server.api('POST', '/v1/caller/permissions', { Checks: checks }, null)).status, 401);
    // The narrow key may not read media: its denial is the API's.
    const denied = await server.api('GET', `/v1/media/${mediaId}/urls`, undefined, narrow.Token);
    assert.deepEqual([denied.status, denied.body.Code], [403, 'ACCESS_DENIED']);
  });

  test("a media's content with Range requests, by key and by presigned URL; its pictures", async () => {
    const bytes = readFileSync(CLIP);
    const whole = await fetch(`${server.url}/v1/media/${mediaId}/content`, { headers: { authorization: `Bearer ${process.env.VDNA_ADMIN_KEY ?? 'test-admin-token-0123456789abcdef'}` } });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));

    const { ContentUrl, ThumbnailUrl } = (await server.api('GET', `/v1/media/${mediaId}/urls`)).body;
    assert.match(ContentUrl, /^\/v1\/media\/[0-9a-f]+\/content\?Expires=\d+&Signature=[0-9a-f]{64}$/);
    const part = await fetch(server.url + ContentUrl, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200)));
    const tail = await fetch(server.url + ContentUrl, { headers: { range: 'bytes=-10' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));
    const past = await fetch(server.url + ContentUrl, { headers: { range: `bytes=${bytes.length}-` } });
    assert.deepEqual([past.status, past.headers.get('content-range')], [416, `bytes */${bytes.length}`]);
    // One hex digit changed, whatever it was.
    const forgedUrl = ContentUrl.replace(/Signature=(.)/, (_: string, digit: string) => `Signature=${digit === '0' ? '1' : '0'}`);
    assert.notEqual(forgedUrl, ContentUrl);
    const forged = await fetch(server.url + forgedUrl);
    assert.equal(forged.status, 403);
    const otherPath = await fetch(server.url + ContentUrl.replace('/content?', '/thumbnail?'));
    assert.equal(otherPath.status, 403, 'a URL signed for the content is no URL for anything else');

    const picture = await fetch(`${server.url}${ThumbnailUrl}&Time=4.5&Width=96`);
    assert.equal(picture.status, 200);
    assert.equal(picture.headers.get('content-type'), 'image/jpeg');
    const jpeg = Buffer.from(await picture.arrayBuffer());
    assert.deepEqual([jpeg[0], jpeg[1]], [0xff, 0xd8]);
    const late = await fetch(`${server.url}${ThumbnailUrl}&Time=3600`);
    assert.equal(late.status, 200, 'past the end: the first picture');
  });

  test("another account's media and items answer exactly as missing ones", async () => {
    const theirs = await server.api('GET', `/v1/media/${mediaId}/urls`, undefined, other);
    const missing = await server.api('GET', `/v1/media/${'0'.repeat(32)}/urls`, undefined, other);
    assert.deepEqual([theirs.status, theirs.body.Code], [missing.status, missing.body.Code]);
    assert.deepEqual([theirs.status, theirs.body.Code], [404, 'UNKNOWN_MEDIA']);
    const content = await server.api('GET', `/v1/media/${mediaId}/content`, undefined, other);
    assert.deepEqual([content.status, content.body.Code], [404, 'UNKNOWN_MEDIA']);

    assert.equal((await server.api('POST', '/v1/libraries', { Name: 'films' })).status, 201);
    const job = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'llama/1, a', Input: { Type: 'Media', Source: mediaId } });
    assert.equal((await waitForJob(server, job.body.JobId)).State, 'Success');
    const item = await server.api('GET', `/v1/libraries/films/items/${encodeURIComponent('llama/1, a')}`);
    assert.equal(item.status, 200, JSON.stringify(item.body));
    assert.equal(item.body.Source, `media:${mediaId}`);
    assert.ok(Math.abs(item.body.Duration - 10) < 0.5);
    const unknown = await server.api('GET', '/v1/libraries/films/items/nope');
    assert.deepEqual([unknown.status, unknown.body.Code], [404, 'UNKNOWN_KEY']);
    const foreign = await server.api('GET', `/v1/libraries/films/items/${encodeURIComponent('llama/1, a')}`, undefined, other);
    const absent = await server.api('GET', '/v1/libraries/nolib/items/x', undefined, other);
    assert.deepEqual([foreign.status, foreign.body.Code], [absent.status, absent.body.Code]);
  });
});
