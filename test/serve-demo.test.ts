/** The README's main command (npm start = vdna serve --demo): the demo runs through the real API. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './helpers.js';
import { startServer } from './service-helpers.js';

test('vdna serve --demo prints the first admin key once, uploads the library, finds the pirated copy through a job, and keeps serving', async () => {
  const dir = tempDir();
  // No operator key: the first start makes the root admin key, prints it once, and the demo uses it.
  let server = await startServer(join(dir.path, 'data'), ['--demo'], { VDNA_ADMIN_KEY: '' });
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
    const token = /VDNA_API_KEY=(vdna_\S+)/.exec(log)?.[1];
    assert.ok(token, 'the first key is printed');
    assert.match(log, /AccessKeyId=VDNA\w+ AccessKeySecret=\S+/);
    const libs = (await server.api('GET', '/v1/libraries', undefined, token)).body.Libraries;
    assert.deepEqual(libs.map((l: any) => [l.Name, l.ItemCount]), [['demo', 5]]);
    assert.equal((await server.api('GET', '/healthz', undefined, null)).body.Status, 'ok');
    assert.ok(!server.log().split('\n').filter((l) => l.startsWith('{')).some((l) => l.includes(token)), 'the key is not in the JSON log');

    // Started again: no new key is printed; the demo runs with a key of its own, revoked after.
    await server.stop();
    server = await startServer(join(dir.path, 'data'), ['--demo'], { VDNA_ADMIN_KEY: '' });
    while (!/The server keeps running/.test(server.log())) {
      assert.ok(Date.now() < deadline + 120_000, `second demo did not finish:\n${server.log()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.doesNotMatch(server.log(), /VDNA_API_KEY=vdna_|demo failed/);
    assert.match(server.log(), /already stored/);
    const keys = (await server.api('GET', '/v1/keys', undefined, token)).body.Keys;
    assert.deepEqual(keys.map((k: any) => [k.Root, k.RevokeTime !== undefined]), [[true, false], [false, true]]);
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
