/** The README's main command (npm start = vdna serve --demo): the demo runs through the real API. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './helpers.js';
import { startServer } from './service-helpers.js';

test('vdna serve --demo uploads the library, finds the pirated copy through a job, and keeps serving', async () => {
  const dir = tempDir();
  const server = await startServer(join(dir.path, 'data'), ['--demo']);
  try {
    const deadline = Date.now() + 240_000;
    while (!/The server keeps running/.test(server.log())) {
      assert.ok(Date.now() < deadline, `demo did not finish:\n${server.log()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const log = server.log();
    assert.doesNotMatch(log, /demo failed/);
    // The copy holds openboard 60-90 s at query 8-38 s (to a sample or two).
    const m = /openboard_wannaworktogether\s+(\d\.\d{3})\s+video\s+0:(\d\d\.\d\d)-0:(\d\d\.\d\d)\s+1:(\d\d\.\d\d)-1:(\d\d\.\d\d)/.exec(log);
    assert.ok(m, log);
    const [, , qs, qe, ms, me] = m.map(Number);
    assert.ok(Math.abs(qs - 8) <= 0.5 && Math.abs(qe - 38) <= 0.75, `query ${qs}-${qe}`);
    assert.ok(Math.abs(ms - 0) <= 0.5 && Math.abs(me - 30) <= 0.75, `library 1:${ms}-1:${me}`);
    const libs = (await server.api('GET', '/v1/libraries')).body.Libraries;
    assert.deepEqual(libs.map((l: any) => [l.Name, l.ItemCount]), [['demo', 5]]);
    assert.equal((await server.api('GET', '/healthz')).body.Status, 'ok');
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
