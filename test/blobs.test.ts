/** The blob contract, the same tests on each engine: the data directory's folders and a real S3-compatible server. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { readBlob, type BlobStore } from '../src/store/blobs.js';
import { forEachBlobEngine } from './blob-engines.js';
import { tempDir } from './helpers.js';

const work = tempDir();
after(work.cleanup);
let n = 0;

/** A local file of `text`, to hand to putFile. */
function file(text: string): string {
  const path = join(work.path, `f${++n}.part`);
  writeFileSync(path, text);
  return path;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const code = (expected: string) => (err: { code?: string; message?: string }) => {
  assert.equal(err.code, expected, err.message);
  return true;
};

forEachBlobEngine('blobs', (engine) => {
  let blobs: BlobStore;

  test('putFile takes the file; stat, read (whole and a range), list and delete', async () => {
    blobs = await engine.open();
    const source = file('0123456789');
    await blobs.putFile('media/a.mp4', source);
    assert.equal(existsSync(source), false);
    await blobs.putFile('staging/j1.srt', file('subtitles'));
    await blobs.putFile('staging/j2.mp4', file('x'));
    assert.deepEqual(await blobs.stat('media/a.mp4'), { size: 10 });
    assert.equal(await text(await blobs.read('media/a.mp4')), '0123456789');
    assert.equal(await text(await blobs.read('media/a.mp4', { start: 2, end: 5 })), '2345');
    assert.deepEqual((await blobs.list('staging/')).sort(), ['staging/j1.srt', 'staging/j2.mp4']);
    assert.deepEqual(await blobs.list('staging/j1'), ['staging/j1.srt']);
    await blobs.delete('staging/j1.srt');
    assert.equal(await blobs.stat('staging/j1.srt'), undefined);
    assert.deepEqual(await blobs.list('staging/'), ['staging/j2.mp4']);
    assert.deepEqual(await blobs.list('nothing/'), []);
  });

  test('a missing blob: stat says none, read and localFile say FILE_NOT_FOUND, delete is no error', async () => {
    blobs = await engine.open();
    assert.equal(await blobs.stat('media/none.mp4'), undefined);
    await assert.rejects(blobs.read('media/none.mp4'), code('FILE_NOT_FOUND'));
    const temp = join(work.path, 'copy-of-none.mp4');
    await assert.rejects(blobs.localFile('media/none.mp4', temp), code('FILE_NOT_FOUND'));
    assert.equal(existsSync(temp), false);
    await blobs.delete('media/none.mp4');
  });

  test('localFile: a file with the bytes; release removes a copy but never the blob', async () => {
    blobs = await engine.open();
    await blobs.putFile('media/b.txt', file('hello'));
    const local = await blobs.localFile('media/b.txt', join(work.path, 'copy-of-b.txt'));
    assert.equal(readFileSync(local.path, 'utf8'), 'hello');
    await local.release();
    assert.deepEqual(await blobs.stat('media/b.txt'), { size: 5 });
    if (engine.s3) assert.equal(existsSync(local.path), false);
  });

  test('put stores bytes whole (with a type), replacing a blob of that key; nothing of its writing is listed', async () => {
    blobs = await engine.open();
    await blobs.put('results/j1.json', Buffer.from('{"a":1}'), 'application/json');
    await blobs.put('results/j1.json', Buffer.from('{"a":2}'), 'application/json');
    await blobs.put('faces/f1.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    assert.equal((await readBlob(blobs, 'results/j1.json')).toString(), '{"a":2}');
    assert.deepEqual([...(await readBlob(blobs, 'faces/f1.jpg'))], [0xff, 0xd8, 0xff, 0xd9]);
    assert.deepEqual(await blobs.list('results/'), ['results/j1.json']);
    await assert.rejects(blobs.put('../x.json', Buffer.from('x')), code('INVALID_ARGUMENT'));
  });

  test('presignedGet: the data directory hands out none; a bucket its own URL, fetched with no key, answered with the type asked for', async () => {
    blobs = await engine.open();
    await blobs.put('faces/f2.jpg', Buffer.from([0xff, 0xd8, 1, 2, 0xff, 0xd9]), 'image/jpeg');
    const expiresAt = new Date(Date.now() + 3600_000);
    const url = await blobs.presignedGet('faces/f2.jpg', expiresAt, { contentType: 'image/jpeg' });
    await assert.rejects(blobs.presignedGet('../f2.jpg', expiresAt), code('INVALID_ARGUMENT'));
    if (!engine.s3) return assert.equal(url, undefined);
    const signed = new URL(url!);
    assert.match(signed.pathname, /\/vdna\/faces\/f2\.jpg$/);
    assert.equal(signed.searchParams.get('X-Amz-Expires'), '3600');
    assert.equal(signed.searchParams.get('response-content-type'), 'image/jpeg');
    const res = await fetch(url!);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [0xff, 0xd8, 1, 2, 0xff, 0xd9]);
    // A URL lives a week at most (S3 refuses longer), whatever is asked.
    const long = new URL((await blobs.presignedGet('faces/f2.jpg', new Date(Date.now() + 30 * 86400_000)))!);
    assert.equal(long.searchParams.get('X-Amz-Expires'), String(7 * 86400));
  });

  test('keys are plain relative paths', async () => {
    blobs = await engine.open();
    for (const key of ['../x', 'media/../../x', '/etc/passwd', 'media//x', 'a b']) {
      await assert.rejects(blobs.stat(key), code('INVALID_ARGUMENT'), key);
    }
  });

  if (engine.s3) {
    test('the service down: every call says STORAGE_UNAVAILABLE, the file handed over stays; back up, all is there', async () => {
      blobs = await engine.open();
      await blobs.putFile('media/kept.mp4', file('kept'));
      const s3 = await engine.s3!();
      await s3.stop();
      try {
        const source = file('new');
        await assert.rejects(blobs.putFile('media/new.mp4', source), code('STORAGE_UNAVAILABLE'));
        assert.equal(existsSync(source), true);
        await assert.rejects(blobs.stat('media/kept.mp4'), code('STORAGE_UNAVAILABLE'));
        await assert.rejects(blobs.read('media/kept.mp4'), code('STORAGE_UNAVAILABLE'));
        await assert.rejects(blobs.list('media/'), code('STORAGE_UNAVAILABLE'));
        await assert.rejects(blobs.delete('media/kept.mp4'), code('STORAGE_UNAVAILABLE'));
        await assert.rejects(blobs.put('results/new.json', Buffer.from('{}')), code('STORAGE_UNAVAILABLE'));
        const temp = join(work.path, 'copy-while-down.mp4');
        await assert.rejects(blobs.localFile('media/kept.mp4', temp), (err: Error) => /object storage \(s3:\/\/.*\) is unavailable/.test(err.message));
        assert.equal(existsSync(temp), false);
      } finally {
        await s3.start();
      }
      assert.equal(await text(await blobs.read('media/kept.mp4')), 'kept');
    });
  }
});
