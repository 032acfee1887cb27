/** The queue under stress: priorities, pause/resume, cancel, callback retries, SIGKILL and restart. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { media, tempDir, vdna } from './helpers.js';
import { ADMIN_TOKEN, startReceiver, startRedis, startServer, waitForJob } from './service-helpers.js';

const LONG = media('video/openboard_wannaworktogether.mp4'); // 3 min: long enough to be caught mid-job
const SHORT = [media('video/zwm_sintel_10s.mp4'), media('video/zwm_caminandes_10s.mp4'), media('video/mdn_flower.webm')];

describe('job queue', () => {
  test('priorities order the queue; a paused queue holds its jobs as Paused; cancel works while waiting and while running', async () => {
    const dir = tempDir();
    const server = await startServer(join(dir.path, 'data'), ['--allow-path', media('video')]);
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      assert.equal((await server.api('POST', '/v1/queues/default/pause')).body.Paused, true);
      const submit = async (priority: number, i: number) =>
        (await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: `k${i}`, Priority: priority, Input: { Type: 'Path', Source: SHORT[i] } })).body;
      const low = await submit(0, 0);
      const high = await submit(2, 1);
      const cancelled = await submit(1, 2);
      assert.deepEqual([low.State, high.State, cancelled.State], ['Paused', 'Paused', 'Paused']);
      let r = await server.api('POST', `/v1/jobs/${cancelled.JobId}/cancel`);
      assert.equal(r.body.State, 'Cancelled');
      assert.equal((await server.api('POST', `/v1/jobs/${cancelled.JobId}/cancel`)).body.Code, 'JOB_NOT_CANCELLABLE');
      assert.equal((await server.api('GET', `/v1/jobs/${low.JobId}/result`)).body.Code, 'RESULT_NOT_READY');
      await new Promise((res) => setTimeout(res, 1500));
      assert.equal((await server.api('GET', `/v1/jobs/${low.JobId}`)).body.State, 'Paused', 'nothing runs while paused');
      r = await server.api('GET', '/v1/queues');
      assert.deepEqual(r.body.Queues[0].Counts, { Paused: 2, Cancelled: 1 });
      await server.api('POST', '/v1/queues/default/resume');
      const [a, b] = [await waitForJob(server, low.JobId), await waitForJob(server, high.JobId)];
      assert.deepEqual([a.State, b.State], ['Success', 'Success']);
      assert.ok(b.StartTime < a.StartTime, 'priority 2 ran before priority 0');
      const items = (await server.api('GET', '/v1/libraries/films/items')).body.Items.map((i: any) => i.PrimaryKey);
      assert.deepEqual(items, ['k0', 'k1'], 'the cancelled job stored nothing');

      // Cancel while running.
      r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'long', Input: { Type: 'Path', Source: LONG } });
      await waitForJob(server, r.body.JobId, 60_000, ['Running']);
      assert.equal((await server.api('POST', `/v1/jobs/${r.body.JobId}/cancel`)).status, 200);
      const running = await waitForJob(server, r.body.JobId);
      assert.deepEqual([running.State, running.Code], ['Cancelled', 'CANCELLED']);
      assert.equal((await server.api('GET', '/v1/libraries/films')).body.ItemCount, 2);

      // Deleting a library while a job saves into it: the job ends Cancelled and the library stays gone.
      await server.api('POST', '/v1/libraries', { Name: 'doomed', MediaType: 'video' });
      r = await server.api('POST', '/v1/jobs', { Library: 'doomed', Mode: 'onlysave', PrimaryKey: 'long', Input: { Type: 'Path', Source: LONG } });
      await waitForJob(server, r.body.JobId, 60_000, ['Running']);
      assert.equal((await server.api('DELETE', '/v1/libraries/doomed')).status, 204);
      assert.deepEqual([(await waitForJob(server, r.body.JobId)).State, (await server.api('GET', '/v1/libraries/doomed')).status], ['Cancelled', 404]);

      // Filters and cursor paging over the jobs.
      r = await server.api('GET', '/v1/jobs?State=Success&Limit=1');
      assert.equal(r.body.Jobs.length, 1);
      const next = await server.api('GET', `/v1/jobs?State=Success&Limit=1&Cursor=${r.body.NextCursor}`);
      assert.notEqual(next.body.Jobs[0].JobId, r.body.Jobs[0].JobId);
      assert.equal((await server.api('GET', '/v1/jobs?State=Cancelled')).body.Jobs.length, 3);
      assert.equal((await server.api('GET', `/v1/jobs?Since=${new Date(Date.now() + 60_000).toISOString()}`)).body.Jobs.length, 0);
      assert.equal((await server.api('GET', '/v1/jobs?State=Sleeping')).status, 400);
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });

  test('a refused callback is retried with backoff, and every attempt is logged', async () => {
    const dir = tempDir();
    const receiver = await startReceiver((n) => (n < 3 ? 503 : 200));
    const server = await startServer(join(dir.path, 'data'), ['--allow-path', media('video'), '--allow-private-urls'], { VDNA_CALLBACK_BACKOFF_MS: '200' });
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      // The queue's default callback applies to jobs that name none.
      await server.api('PUT', '/v1/queues/default', { Callback: { Type: 'HTTP', Url: `${receiver.url}/q`, Format: 'json' } });
      const r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Path', Source: SHORT[2] } });
      await waitForJob(server, r.body.JobId);
      await receiver.waitFor(3);
      let deliveries;
      for (let i = 0; i < 50; i++) {
        deliveries = (await server.api('GET', `/v1/jobs/${r.body.JobId}/deliveries`)).body.Deliveries;
        if (deliveries[0].State !== 'Pending') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const [d] = deliveries;
      assert.equal(d.State, 'Delivered');
      assert.deepEqual(d.Log.map((a: any) => [a.Attempt, a.Ok, a.Status]), [[1, false, 503], [2, false, 503], [3, true, 200]]);
      const gaps = d.Log.slice(1).map((a: any, i: number) => Date.parse(a.Time) - Date.parse(d.Log[i].Time));
      assert.ok(gaps[0] >= 150 && gaps[1] >= 350, `backoff doubles: ${gaps}`);
      assert.equal(receiver.received.length, 3);
      const ids = new Set(receiver.received.map((r) => r.headers['x-vdna-event-id']));
      assert.equal(ids.size, 1, 'every attempt carries the same event id');
      assert.equal(JSON.parse(receiver.received[2].body).EventId, [...ids][0]);
    } finally {
      await server.stop();
      await receiver.close();
      dir.cleanup();
    }
  });

  test('a receiver that stays down: the delivery fails, is listed as a dead letter, and is replayed (API and CLI)', async () => {
    const dir = tempDir();
    let up = false;
    const receiver = await startReceiver(() => (up ? 200 : 503));
    const server = await startServer(join(dir.path, 'data'), ['--allow-path', media('video'), '--allow-private-urls'], { VDNA_CALLBACK_BACKOFF_MS: '100', VDNA_CALLBACK_ATTEMPTS: '2' });
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      const r = await server.api('POST', '/v1/jobs', { Library: 'films', Input: { Type: 'Path', Source: SHORT[2] }, Callback: { Type: 'HTTP', Url: `${receiver.url}/down` } });
      await waitForJob(server, r.body.JobId);
      let dead: any[] = [];
      for (let i = 0; i < 100 && dead.length === 0; i++) {
        dead = (await server.api('GET', '/v1/deliveries/failed')).body.Deliveries;
        if (!dead.length) await new Promise((res) => setTimeout(res, 100));
      }
      assert.deepEqual([dead.length, dead[0].JobId, dead[0].State, dead[0].Attempts], [1, r.body.JobId, 'Failed', 2]);
      const env = { VDNA_SERVER: server.url, VDNA_API_KEY: ADMIN_TOKEN };
      assert.match(vdna(['jobs', 'dead-letters'], env).stdout, new RegExp(`^\\s*${dead[0].Id}\\s+${r.body.JobId}`, 'm'));
      up = true;
      const replayed = vdna(['jobs', 'replay', String(dead[0].Id)], env);
      assert.equal(replayed.status, 0, replayed.stderr);
      await receiver.waitFor(3);
      let d: any;
      for (let i = 0; i < 100; i++) {
        [d] = (await server.api('GET', `/v1/jobs/${r.body.JobId}/deliveries`)).body.Deliveries;
        if (d.State === 'Delivered') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.equal(d.State, 'Delivered');
      assert.deepEqual((await server.api('GET', '/v1/deliveries/failed')).body.Deliveries, []);
      assert.equal((await server.api('POST', `/v1/deliveries/${d.Id}/replay`)).body.Code, 'UNKNOWN_DELIVERY', 'only a failed delivery is replayed');
      assert.equal(new Set(receiver.received.map((x) => x.headers['x-vdna-event-id'])).size, 1, 'the replay carries the same event id');
    } finally {
      await server.stop();
      await receiver.close();
      dir.cleanup();
    }
  });

  test('SIGKILL mid-job: the job runs again after restart, the item is stored once, the callback arrives once', async () => {
    const dir = tempDir();
    const data = join(dir.path, 'data');
    const receiver = await startReceiver();
    const args = ['--allow-path', media('video'), '--allow-private-urls'];
    let server = await startServer(data, args);
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      const callback = { Type: 'HTTP', Url: `${receiver.url}/done`, Format: 'json' };
      const long = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'save', PrimaryKey: 'long', Input: { Type: 'Path', Source: LONG }, Callback: callback });
      const waiting = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'short', Priority: 0, Input: { Type: 'Path', Source: SHORT[0] } });
      for (;;) {
        const job = (await server.api('GET', `/v1/jobs/${long.body.JobId}`)).body;
        if (job.State === 'Running' && job.Progress >= 10) break;
        assert.ok(['Queued', 'Running'].includes(job.State), JSON.stringify(job));
        await new Promise((res) => setTimeout(res, 100));
      }
      await server.stop('SIGKILL');

      server = await startServer(data, args);
      // One server per data directory: a second one refuses to start.
      await assert.rejects(startServer(data, args), /another vdna serve \(pid \d+\) serves/);
      const job = await waitForJob(server, long.body.JobId);
      assert.deepEqual([job.State, job.Attempts], ['Success', 2], JSON.stringify(job));
      assert.equal((await waitForJob(server, waiting.body.JobId)).State, 'Success');
      const items = (await server.api('GET', '/v1/libraries/films/items')).body.Items.map((i: any) => i.PrimaryKey);
      assert.deepEqual(items, ['long', 'short']);
      await receiver.waitFor(1);
      await new Promise((res) => setTimeout(res, 500));
      assert.equal(receiver.received.length, 1);
      assert.equal(JSON.parse(receiver.received[0].body).JobId, long.body.JobId);
      // (The killed server's worker, orphaned, put its job back itself; else the new server would have.)

      // A graceful stop (SIGTERM) mid-job also puts the job back.
      const again = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'again', Input: { Type: 'Path', Source: LONG } });
      await waitForJob(server, again.body.JobId, 60_000, ['Running']);
      await server.stop('SIGTERM');
      server = await startServer(data, args);
      assert.equal((await waitForJob(server, again.body.JobId)).State, 'Success');
    } finally {
      await server.stop();
      await receiver.close();
      dir.cleanup();
    }
  });
});

describe('message-queue callback', () => {
  test('the completion event lands on a Redis stream of a real redis-server', async () => {
    const dir = tempDir();
    const redis = await startRedis();
    const server = await startServer(join(dir.path, 'data'), ['--allow-path', media('video'), '--redis', redis.url]);
    const client = new Redis(redis.url);
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      const r = await server.api('POST', '/v1/jobs', {
        Library: 'films',
        Mode: 'onlysave',
        PrimaryKey: 'flower',
        UserData: 'u-1',
        Input: { Type: 'Path', Source: SHORT[2] },
        Callback: { Type: 'Redis', Stream: 'vdna:events' },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await waitForJob(server, r.body.JobId);
      // Streams are per account: the default account's stream vdna:events is default:vdna:events on the broker.
      const entries = await client.xread('BLOCK', 20_000, 'STREAMS', 'default:vdna:events', '0');
      assert.ok(entries, 'an entry arrived');
      const [, [[, fields]]] = entries[0];
      const entry = Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])));
      assert.equal(entry.JobId, r.body.JobId);
      assert.match(entry.Signature, /^t=\d+,sha256=[0-9a-f]{64}$/);
      const event = JSON.parse(entry.Event);
      assert.deepEqual([event.EventType, event.Status, event.MediaId, event.Data.UserData], ['AIMediaDNAComplete', 'Success', 'flower', 'u-1']);
      assert.equal(event.Data.Result.Saved, true);
      const deliveries = (await server.api('GET', `/v1/jobs/${r.body.JobId}/deliveries`)).body.Deliveries;
      assert.equal(deliveries[0].State, 'Delivered');
    } finally {
      client.disconnect();
      await server.stop();
      await redis.stop();
      dir.cleanup();
    }
  });
});
