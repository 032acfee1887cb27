/**
 * Smart tagging as a job on a real `vdna serve`: the person registry over HTTP (photos, and a face a
 * job found, named afterwards), presigned face thumbnails and their access rules, the native event,
 * and the text read and heard as text DNA finding a re-upload whose picture is entirely different.
 */
import assert from 'node:assert/strict';
import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ffmpeg, media, tempDir } from './helpers.js';
import { startReceiver, startServer, waitForJob, type RunningServer } from './service-helpers.js';

type Json = Record<string, any>;

describe('tagging jobs on the native API', () => {
  const dir = tempDir();
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** A three-second video of a still photo. */
  const still = (photo: string, name: string) => {
    const clip = join(dir.path, name);
    ffmpeg(['-loop', '1', '-i', media(`faces/${photo}`), '-t', '3', '-vf', 'scale=-2:720,format=yuv420p', '-r', '10', clip]);
    return clip;
  };
  const upload = async (file: string, fields: Record<string, string>) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('Media', await openAsBlob(file), file.split('/').pop());
    const res = await server.api('POST', '/v1/jobs', form);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as Json;
  };
  const tagged = async (file: string, fields: Record<string, string>) => {
    const job = await upload(file, { Kind: 'tag', ...fields });
    const ended = await waitForJob(server, job.JobId, 180_000);
    assert.equal(ended.State, 'Success', JSON.stringify(ended));
    return { job: ended as Json, result: (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body as Json };
  };

  before(async () => {
    receiver = await startReceiver();
    server = await startServer(join(dir.path, 'data'), ['--allow-private-urls']);
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
    dir.cleanup();
  });

  test('persons over HTTP: registered from photos; an unknown face found by a job is named by its FaceId and known to later jobs', async () => {
    const photos = new FormData();
    for (const p of ['facerec_obama.jpg', 'facerec_obama2.jpg']) photos.append('Photo', await openAsBlob(media(`faces/${p}`)), p);
    const obama = await server.api('POST', `/v1/persons/${encodeURIComponent('Barack Obama')}`, photos);
    assert.equal(obama.status, 200, JSON.stringify(obama.body));
    assert.deepEqual([obama.body.Name, obama.body.Faces], ['Barack Obama', 2]);
    const noFace = new FormData();
    noFace.append('Photo', await openAsBlob(media('ocr/tesseract_phototest.tif')), 'page.tif');
    const refused = await server.api('POST', '/v1/persons/Nobody', noFace);
    assert.deepEqual([refused.status, refused.body.Code], [400, 'INVALID_ARGUMENT']);

    // A face nobody registered: an unnamed person with a face id and a presigned thumbnail.
    const { job, result } = await tagged(still('facerec_biden2.jpg', 'biden.mp4'), { Types: 'face', Callback: JSON.stringify({ Type: 'HTTP', Url: `${receiver.url}/tags` }) });
    assert.deepEqual([job.Kind, job.Types, job.Library], ['tag', 'face', undefined]);
    assert.equal(result.Person.length, 1, JSON.stringify(result.Person));
    const [unknown] = result.Person;
    assert.equal(unknown.Tag, 'Unknown person 1');
    assert.match(unknown.FaceId, /^[0-9a-f]{24}$/);
    const thumbnail = await fetch(unknown.FaceUrl);
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...Buffer.from(await thumbnail.arrayBuffer()).subarray(0, 2)], [0xff, 0xd8]);
    // One character of the signature changed (to another character: the first may already be 0).
    const tampered = await fetch(unknown.FaceUrl.replace(/Signature=(.)/, (_: string, c: string) => `Signature=${c === '0' ? '1' : '0'}`));
    assert.equal(tampered.status, 403);
    assert.equal((await server.api('GET', `/v1/faces/${unknown.FaceId}`, undefined, null)).status, 401);
    assert.equal((await server.api('GET', `/v1/faces/${unknown.FaceId}`)).status, 200);

    // The completion event: the clouds' event name, the result with its FaceUrl.
    const [event] = (await receiver.waitFor(1)).map((r) => JSON.parse(r.body));
    assert.deepEqual([event.EventType, event.JobId, event.Status], ['AIVideoTagComplete', job.JobId, 'Success']);
    assert.equal(event.Data.Result.Person[0].FaceId, unknown.FaceId);

    // Another account sees neither the face nor the job: both answer as missing ones do.
    const other = await server.api('POST', '/v1/accounts', { Name: 'other' });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const key = await server.api('POST', '/v1/keys', { Account: 'other', Admin: true });
    const token = key.body.Token as string;
    const foreign = await server.api('GET', `/v1/faces/${unknown.FaceId}`, undefined, token);
    const missing = await server.api('GET', '/v1/faces/000000000000000000000000', undefined, token);
    assert.deepEqual([foreign.status, foreign.body.Code], [missing.status, missing.body.Code]);
    assert.deepEqual([foreign.status, foreign.body.Code], [404, 'UNKNOWN_FACE']);
    const stolen = await server.api('POST', `/v1/persons/${encodeURIComponent('Joe Biden')}`, { FaceIds: [unknown.FaceId] }, token);
    assert.deepEqual([stolen.status, stolen.body.Code], [404, 'UNKNOWN_FACE']);
    assert.equal((await server.api('GET', `/v1/jobs/${job.JobId}`, undefined, token)).status, 404);

    // Named afterwards: later jobs know him.
    const named = await server.api('POST', `/v1/persons/${encodeURIComponent('Joe Biden')}`, { FaceIds: [unknown.FaceId] });
    assert.deepEqual([named.status, named.body.Faces], [200, 1]);
    const listed = (await server.api('GET', '/v1/persons')).body.Persons as Json[];
    assert.deepEqual(listed.map((p) => [p.Name, p.Faces]), [['Barack Obama', 2], ['Joe Biden', 1]]);
    const both = await tagged(still('facerec_two_people_obama_biden.jpg', 'both.mp4'), { Types: 'face' });
    assert.deepEqual(both.result.Person.map((p: Json) => p.Tag).sort(), ['Barack Obama', 'Joe Biden']);

    assert.equal((await server.api('DELETE', `/v1/persons/${encodeURIComponent('Joe Biden')}`)).status, 204);
    assert.equal((await server.api('DELETE', `/v1/persons/${encodeURIComponent('Joe Biden')}`)).body.Code, 'UNKNOWN_PERSON');
  });

  test("text DNA: a re-upload's speech finds the original although its picture is another film", async () => {
    const created = await server.api('POST', '/v1/libraries', { Name: 'narration', MediaType: 'text' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const original = join(dir.path, 'speech-sintel.mp4');
    ffmpeg(['-i', media('video/zwm_sintel_10s.mp4'), '-i', media('audio/whisper_jfk.flac'), '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-shortest', original]);
    const reupload = join(dir.path, 'speech-caminandes.mp4');
    ffmpeg(['-i', media('video/zwm_caminandes_10s.mp4'), '-i', media('audio/whisper_jfk.flac'), '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-crf', '32', '-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-shortest', reupload]);

    const stored = await tagged(original, { Types: 'asr', Library: 'narration', Mode: 'save', PrimaryKey: 'jfk-sintel' });
    assert.equal(stored.result.Saved, true, JSON.stringify(stored.result));
    assert.ok(stored.result.Asr.length >= 1);
    const items = (await server.api('GET', '/v1/libraries/narration/items')).body.Items as Json[];
    assert.deepEqual(items.map((i) => [i.PrimaryKey, i.HasText]), [['jfk-sintel', true]]);

    const searched = await tagged(reupload, { Types: 'asr', Library: 'narration' });
    assert.equal(searched.result.Saved, false);
    const [match] = searched.result.Matches as Json[];
    assert.equal(match?.PrimaryKey, 'jfk-sintel', JSON.stringify(searched.result.Matches));
    assert.ok(match.TextMatchSegments.length >= 1);

    // Only text libraries take a tagging job's text; a delete is no tagging job.
    await server.api('POST', '/v1/libraries', { Name: 'films', MediaType: 'video' });
    const wrong = await server.api('POST', '/v1/jobs', { Kind: 'tag', Library: 'films', Input: { Type: 'URL', Source: 'http://127.0.0.1:9/x.mp4' } });
    assert.deepEqual([wrong.status, wrong.body.Code], [415, 'WRONG_MEDIA_TYPE']);
    const noLibrary = await server.api('POST', '/v1/jobs', { Kind: 'tag', Mode: 'save', PrimaryKey: 'k', Input: { Type: 'URL', Source: 'http://127.0.0.1:9/x.mp4' } });
    assert.equal(noLibrary.body.Code, 'INVALID_ARGUMENT');
    const badType = await server.api('POST', '/v1/jobs', { Kind: 'tag', Types: 'ocr,telepathy', Input: { Type: 'URL', Source: 'http://127.0.0.1:9/x.mp4' } });
    assert.match(badType.body.Message, /unknown analyser "telepathy"/);
  });
});
