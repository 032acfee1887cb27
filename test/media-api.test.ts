/** The media registry over real HTTP: upload or name a media once, then name its MediaId in jobs. */
import assert from 'node:assert/strict';
import { openAsBlob, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { media, tempDir } from './helpers.js';
import { startServer, waitForJob } from './service-helpers.js';

const SINTEL = media('video/zwm_sintel_10s.mp4');

test('media: uploaded and named media are used by jobs; bad uploads are refused and nothing is kept; accounts see only theirs', async () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  const server = await startServer(data, ['--allow-path', media('video')]);
  try {
    const form = new FormData();
    form.set('Title', 'sintel trailer');
    form.set('Media', await openAsBlob(SINTEL), 'sintel.mp4');
    let r = await server.api('POST', '/v1/media', form);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const uploaded = r.body;
    assert.match(uploaded.MediaId, /^[0-9a-f]{32}$/);
    assert.deepEqual([uploaded.Title, uploaded.Input.Type, uploaded.Input.Source], ['sintel trailer', 'Upload', 'sintel.mp4']);
    r = await server.api('POST', '/v1/media', { Input: { Type: 'Path', Source: media('video/zwm_caminandes_10s.mp4') } });
    const named = r.body;
    assert.equal(r.status, 201, JSON.stringify(r.body));

    await server.api('POST', '/v1/libraries', { Name: 'films' });
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'sintel', Input: { Type: 'Media', Source: uploaded.MediaId } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await waitForJob(server, r.body.JobId)).State, 'Success');
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'nosave', Input: { Type: 'Media', Source: named.MediaId } });
    assert.equal((await waitForJob(server, r.body.JobId)).State, 'Success');
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'nosave', Input: { Type: 'Media', Source: uploaded.MediaId } });
    await waitForJob(server, r.body.JobId);
    assert.equal((await server.api('GET', `/v1/jobs/${r.body.JobId}/result`)).body.Matches[0].PrimaryKey, 'sintel');
    assert.ok(readdirSync(join(data, 'media')).includes(`${uploaded.MediaId}.mp4`), 'an uploaded media stays after its jobs');

    const listed = (await server.api('GET', '/v1/media?Limit=1')).body;
    assert.deepEqual(listed.Media.map((m: { MediaId: string }) => m.MediaId), [named.MediaId]);
    assert.deepEqual((await server.api('GET', `/v1/media?Cursor=${listed.NextCursor}`)).body.Media.map((m: { MediaId: string }) => m.MediaId), [uploaded.MediaId]);

    // Not media: refused, nothing kept.
    const notMedia = join(dir.path, 'notes.mp4');
    writeFileSync(notMedia, 'this is not a video');
    const bad = new FormData();
    bad.set('Media', await openAsBlob(notMedia), 'notes.mp4');
    r = await server.api('POST', '/v1/media', bad);
    assert.deepEqual([r.status, r.body.Code], [415, 'NOT_MEDIA']);
    assert.ok(!r.body.Message.includes(data), 'the message names the upload, not the server path');
    assert.deepEqual(readdirSync(join(data, 'media')).sort(), [`${uploaded.MediaId}.mp4`]);
    assert.equal((await server.api('POST', '/v1/media', { Input: { Type: 'URL', Source: 'file:///etc/passwd' } })).body.Code, 'URL_NOT_ALLOWED');

    // Another account: the media is unknown to it, in the registry and in jobs.
    await server.api('POST', '/v1/accounts', { Name: 'acme' });
    const acme = (await server.api('POST', '/v1/keys', { Account: 'acme', Admin: true })).body.Token;
    assert.equal((await server.api('GET', `/v1/media/${uploaded.MediaId}`, undefined, acme)).body.Code, 'UNKNOWN_MEDIA');
    await server.api('POST', '/v1/libraries', { Name: 'films' }, acme);
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Media', Source: uploaded.MediaId } }, acme);
    assert.deepEqual([r.status, r.body.Code], [404, 'UNKNOWN_MEDIA']);
    assert.equal((await server.api('DELETE', `/v1/media/${uploaded.MediaId}`, undefined, acme)).status, 404);

    // Deleted: its file goes, and jobs can no longer name it.
    assert.equal((await server.api('DELETE', `/v1/media/${uploaded.MediaId}`)).status, 204);
    assert.deepEqual(readdirSync(join(data, 'media')), []);
    r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Media', Source: uploaded.MediaId } });
    assert.equal(r.body.Code, 'UNKNOWN_MEDIA');
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
