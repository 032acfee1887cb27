/** A full disk (a small tmpfs under the data directory): writes fail clearly, reads go on, work resumes when space returns. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { media, tempDir } from './helpers.js';
import { startServer, waitForJob } from './service-helpers.js';

/** Mounts a tmpfs of `mb` megabytes at `dir`; the reason it cannot, if it cannot (not root, no CAP_SYS_ADMIN). */
function mountTmpfs(dir: string, mb: number): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

/** Writes zeros into `path` until the file system refuses (ENOSPC). */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as { code?: string }).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const dir = tempDir();
const mountPoint = join(dir.path, 'disk');
mkdirSync(mountPoint);
const cannot = mountTmpfs(mountPoint, 48);

test('a full disk: submissions and jobs fail with STORAGE_UNAVAILABLE, reads go on, work resumes when space returns', { skip: cannot }, async () => {
  const server = await startServer(join(mountPoint, 'data'), ['--allow-path', media('video')]);
  const filler = join(mountPoint, 'filler');
  let step = 'start';
  try {
    await server.api('POST', '/v1/libraries', { Name: 'films' });
    const first = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'a', Input: { Type: 'Path', Source: media('video/zwm_sintel_10s.mp4') } });
    assert.equal((await waitForJob(server, first.body.JobId)).State, 'Success');

    fill(filler);
    step = 'upload';
    const upload = new FormData();
    upload.set('Library', 'films');
    upload.set('Mode', 'onlysave');
    upload.set('PrimaryKey', 'up');
    upload.set('Media', new Blob([Buffer.alloc(256 * 1024, 1)]), 'clip.mp4');
    const refused = await server.api('POST', '/v1/jobs', upload);
    assert.deepEqual([refused.status, refused.body.Code], [503, 'STORAGE_UNAVAILABLE'], JSON.stringify(refused.body));
    step = 'path';
    const byPath = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'b', Input: { Type: 'Path', Source: media('video/zwm_caminandes_10s.mp4') } });
    if (byPath.status === 201) {
      // Queued in what space SQLite still had: the job itself fails clearly when it cannot store.
      const job = await waitForJob(server, byPath.body.JobId, 90_000);
      assert.deepEqual([job.State, job.Code], ['Failed', 'STORAGE_UNAVAILABLE'], JSON.stringify(job));
    } else {
      assert.deepEqual([byPath.status, byPath.body.Code], [503, 'STORAGE_UNAVAILABLE'], JSON.stringify(byPath.body));
    }
    // Reads go on.
    step = 'reads';
    assert.equal((await server.api('GET', '/healthz')).status, 200);
    const items = await server.api('GET', '/v1/libraries/films/items');
    assert.deepEqual(items.body.Items.map((i: { PrimaryKey: string }) => i.PrimaryKey), ['a']);

    rmSync(filler);
    step = 'resume';
    const again = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'b2', Input: { Type: 'Path', Source: media('video/zwm_caminandes_10s.mp4') } });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal((await waitForJob(server, again.body.JobId)).State, 'Success');
    assert.equal(server.proc.exitCode, null, 'the server never stopped');
  } catch (err) {
    throw new Error(`${(err as Error).message} ${(err as { cause?: unknown }).cause} (server exit ${server.proc.exitCode} ${server.proc.signalCode}, at ${step})\nserver log:\n${server.log().slice(-3000)}`);
  } finally {
    await server.stop();
    execFileSync('umount', [mountPoint]);
    dir.cleanup();
  }
});

if (cannot) dir.cleanup();
