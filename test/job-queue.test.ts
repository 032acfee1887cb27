/** The job queue's contract, verb by verb, on each engine (no server, no sleeps). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NewJob } from '../src/jobs/types.js';
import type { StoredItem } from '../src/store/store.js';
import type { DatabaseStores } from '../src/stores.js';
import { forEachEngine, freshDatabase, type TestDatabase } from './engines.js';

const job = (over: Partial<NewJob> = {}): NewJob => ({
  account: 'acme',
  kind: 'dna',
  library: 'films',
  mode: 'nosave',
  input: { type: 'URL', source: 'https://example.com/a.mp4' },
  priority: 1,
  queue: 'default',
  ...over,
});

const item = (key: string): StoredItem => ({
  key,
  source: 'test',
  duration: 1,
  fps: 4,
  count: 1,
  hashes: new Uint32Array([1, 2]),
  flat: new Uint8Array([0]),
  fingerprintVersion: 'v',
  addedAt: new Date().toISOString(),
});

const WORKER = 'host:1';
const lease = (id: string, worker = WORKER) => ({ id, worker });

forEachEngine('job queue verbs', (engine) => {
  let db: TestDatabase;
  let s: DatabaseStores;
  const take = (worker = WORKER, leaseMs = 60_000) => s.jobs.fetch(worker, leaseMs);
  freshDatabase(engine, (database, stores) => ((db = database), (s = stores)));

  test('send queues a job under an unguessable id, Paused when its queue is paused', async () => {
    const a = await s.jobs.send(job());
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.deepEqual([a.state, a.attempts, a.progress, a.account, a.kind], ['Queued', 0, 0, 'acme', 'dna']);
    assert.deepEqual(a.input, { type: 'URL', source: 'https://example.com/a.mp4' });
    await s.jobs.setPaused('acme', 'slow', true);
    assert.equal((await s.jobs.send(job({ queue: 'slow' }))).state, 'Paused');
    assert.equal((await s.jobs.send(job({ account: 'other', queue: 'slow' }))).state, 'Queued', "another account's queue of that name is another queue");
  });

  test('fetch takes the highest priority, then the oldest, and marks it Running', async () => {
    const low = await s.jobs.send(job({ priority: 0 }));
    const high1 = await s.jobs.send(job({ priority: 2 }));
    const high2 = await s.jobs.send(job({ priority: 2 }));
    const order = [(await take())!, (await take())!, (await take())!];
    assert.deepEqual(order.map((j) => j.id), [high1.id, high2.id, low.id]);
    assert.deepEqual([order[0].state, order[0].attempts, typeof order[0].startedAt], ['Running', 1, 'string']);
    assert.equal(await take(), undefined);
  });

  test('a heartbeat renews only the holder’s lease, and records progress', async () => {
    const a = await s.jobs.send(job());
    assert.deepEqual(await s.jobs.heartbeat(lease(a.id), 60_000, 40), { held: false, cancelRequested: false }, 'not running yet');
    await take();
    assert.deepEqual(await s.jobs.heartbeat(lease(a.id), 60_000, 40), { held: true, cancelRequested: false });
    assert.equal((await s.jobs.byId(a.id))!.progress, 40);
    assert.deepEqual(await s.jobs.heartbeat(lease(a.id, 'host:2'), 60_000, 90), { held: false, cancelRequested: false }, 'another worker');
    assert.equal((await s.jobs.byId(a.id))!.progress, 40);
  });

  test('a lease that runs out sends the job back; its old worker can then neither renew nor end it', async () => {
    const a = await s.jobs.send(job());
    await take(WORKER, -1);
    assert.deepEqual(await s.jobs.requeueRunning(3, { expiredOnly: true }), { requeued: 1, failed: 0 });
    assert.equal((await take('host:2'))!.id, a.id);
    assert.equal((await s.jobs.heartbeat(lease(a.id), 60_000)).held, false);
    await assert.rejects(s.jobs.complete(lease(a.id), { code: 'OK', message: 'late' }), /not running here/);
    const done = await s.jobs.complete(lease(a.id, 'host:2'), { code: 'OK', message: 'done' });
    assert.deepEqual([done.state, done.attempts], ['Success', 2]);
    // A live lease is left alone by the reaper; a dead worker's jobs are taken back by name.
    const b = await s.jobs.send(job());
    const c = await s.jobs.send(job());
    await take(WORKER);
    await take('host:3');
    assert.deepEqual(await s.jobs.requeueRunning(3, { expiredOnly: true }), { requeued: 0, failed: 0 });
    assert.deepEqual(await s.jobs.requeueRunning(3, { worker: 'host:3' }), { requeued: 1, failed: 0 });
    assert.deepEqual([(await s.jobs.byId(b.id))!.state, (await s.jobs.byId(c.id))!.state], ['Running', 'Queued']);
  });

  test('complete stores the item, the faces and the event in one transaction (the result is a blob: none in the row); a second end is refused', async () => {
    const lib = (await s.libraries.createLibrary('acme', 'films', 'video'))!;
    const a = await s.jobs.send(job({ mode: 'onlysave', primaryKey: 'k', callback: { type: 'http', url: 'https://hooks.example.com/x', format: 'json' } }));
    await take();
    const faces = [{ id: 'face1', descriptor: [0.25], thumbnail: Buffer.from([0xff, 0xd8]) }];
    const done = await s.jobs.complete(lease(a.id), { code: 'OK', message: 'stored' }, { put: { libraryId: lib.id, item: item('k'), replace: false }, faces });
    assert.deepEqual([done.state, done.code, done.progress], ['Success', 'OK', 100]);
    assert.equal(await s.jobs.result(a.id), undefined);
    assert.deepEqual(await s.jobs.storedResults(10), []);
    const face = (await s.faces.get('acme', 'face1'))!;
    assert.deepEqual([face.jobId, face.descriptor, 'thumbnail' in face], [a.id, [0.25], false]);
    assert.deepEqual(await s.faces.storedThumbnails(10), [], 'the thumbnail is not the database\'s');
    assert.equal(await s.libraries.hasItem(lib.id, 'k'), true);
    const [d] = await s.outbox.deliveries(a.id);
    assert.deepEqual([d.state, d.target], ['Pending', { type: 'http', url: 'https://hooks.example.com/x', format: 'json' }]);
    await assert.rejects(s.jobs.complete(lease(a.id), { code: 'OK', message: 'again' }), /not running here/);
    assert.equal((await s.outbox.deliveries(a.id)).length, 1, 'one event per job');
  });

  test('a failing effect rolls the whole end back: no state change, no event', async () => {
    const lib = (await s.libraries.createLibrary('acme', 'films', 'video'))!;
    await s.libraries.putItem(lib.id, item('k'), false);
    await s.jobs.configureQueue('acme', 'default', { type: 'redis', stream: 'events' });
    const a = await s.jobs.send(job({ mode: 'onlysave', primaryKey: 'k' }));
    await take();
    await assert.rejects(
      s.jobs.complete(lease(a.id), { code: 'OK', message: 'stored' }, { put: { libraryId: lib.id, item: item('k'), replace: false } }),
      (err: { code?: string }) => err.code === 'DUPLICATE_KEY',
    );
    assert.equal((await s.jobs.byId(a.id))!.state, 'Running');
    assert.deepEqual(await s.outbox.deliveries(a.id), []);
    // The queue's default callback is the event's target when the job names none.
    await s.jobs.fail(lease(a.id), { code: 'DUPLICATE_KEY', message: 'exists' });
    assert.deepEqual((await s.outbox.deliveries(a.id))[0].target, { type: 'redis', stream: 'events' });
  });

  test('complete with a remove effect deletes the keys', async () => {
    const lib = (await s.libraries.createLibrary('acme', 'films', 'video'))!;
    await s.libraries.putItem(lib.id, item('k'), false);
    const a = await s.jobs.send(job({ kind: 'delete', mode: 'delete', primaryKey: 'k', input: undefined }));
    await take();
    await s.jobs.complete(lease(a.id), { code: 'OK', message: 'deleted' }, { remove: { libraryId: lib.id, keys: ['k'] } });
    assert.equal(await s.libraries.hasItem(lib.id, 'k'), false);
  });

  test('only a running job completes or fails: a job put back in the queue cannot be ended by its old run', async () => {
    const a = await s.jobs.send(job());
    await assert.rejects(s.jobs.complete(lease(a.id), { code: 'OK', message: 'x' }), /not running/);
    await take();
    await s.jobs.requeueRunning(3);
    await assert.rejects(s.jobs.fail(lease(a.id), { code: 'X', message: 'late' }), /not running/);
    assert.equal((await s.jobs.byId(a.id))!.state, 'Queued');
  });

  test('fail ends a job Failed or Cancelled, with its code', async () => {
    const a = await s.jobs.send(job());
    await take();
    const failed = await s.jobs.fail(lease(a.id), { code: 'CORRUPT_MEDIA', message: 'bad' });
    assert.deepEqual([failed.state, failed.code, failed.message], ['Failed', 'CORRUPT_MEDIA', 'bad']);
    const b = await s.jobs.send(job());
    await take();
    assert.equal((await s.jobs.fail(lease(b.id), { code: 'CANCELLED', message: 'stop' }, 'Cancelled')).state, 'Cancelled');
  });

  test('cancel ends a waiting job at once and flags a running one for its worker', async () => {
    const a = await s.jobs.send(job());
    const cancelled = await s.jobs.cancel(a.id);
    assert.deepEqual([cancelled?.state, cancelled?.code], ['Cancelled', 'CANCELLED']);
    assert.equal(await s.jobs.cancel(a.id), undefined, 'an ended job cannot be cancelled');
    const b = await s.jobs.send(job());
    await take();
    assert.equal((await s.jobs.cancel(b.id))?.state, 'Running', 'its worker stops it');
    assert.deepEqual(await s.jobs.heartbeat(lease(b.id), 60_000), { held: true, cancelRequested: true });
    assert.equal((await s.jobs.fail(lease(b.id), { code: 'CANCELLED', message: 'stopped' }, 'Cancelled')).state, 'Cancelled');
  });

  test('requeueRunning puts running jobs back (Paused in a paused queue) and fails those started too often', async () => {
    const a = await s.jobs.send(job());
    const b = await s.jobs.send(job({ queue: 'held' }));
    await take();
    await take();
    await s.jobs.setPaused('acme', 'held', true);
    assert.deepEqual(await s.jobs.requeueRunning(3), { requeued: 2, failed: 0 });
    assert.equal((await s.jobs.byId(a.id))!.state, 'Queued');
    assert.equal((await s.jobs.byId(b.id))!.state, 'Paused');
    await take();
    await s.jobs.requeueRunning(3);
    await take();
    assert.deepEqual(await s.jobs.requeueRunning(3), { requeued: 0, failed: 1 });
    const spent = (await s.jobs.byId(a.id))!;
    assert.deepEqual([spent.state, spent.code, spent.attempts], ['Failed', 'INTERRUPTED', 3]);
  });

  test("get, list and queues see one account's jobs; list filters and pages", async () => {
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await s.jobs.send(job({ library: i % 2 ? 'news' : 'films', priority: i % 3 })));
    const theirs = await s.jobs.send(job({ account: 'other' }));
    assert.equal(await s.jobs.get('acme', theirs.id), undefined);
    assert.equal((await s.jobs.get('other', theirs.id))!.id, theirs.id);
    const page1 = await s.jobs.list('acme', { limit: 2 });
    assert.deepEqual(page1.jobs.map((j) => j.id), [mine[4].id, mine[3].id]);
    const page2 = await s.jobs.list('acme', { limit: 2, cursor: page1.nextCursor });
    assert.deepEqual(page2.jobs.map((j) => j.id), [mine[2].id, mine[1].id]);
    assert.equal((await s.jobs.list('acme', { limit: 10, libraries: ['news'] })).jobs.length, 2);
    assert.equal((await s.jobs.list('acme', { limit: 10, libraries: [] })).jobs.length, 0, 'no library allowed: nothing');
    await take();
    assert.equal((await s.jobs.list('acme', { limit: 10, states: ['Running'] })).jobs.length, 1);
    assert.equal((await s.jobs.list('acme', { limit: 10, since: new Date(Date.now() + 60_000).toISOString() })).jobs.length, 0);
    await assert.rejects(s.jobs.list('acme', { limit: 1, cursor: '!!' }), /invalid cursor/);
    const queues = await s.jobs.queues('acme');
    assert.deepEqual(queues.map((q) => [q.name, q.counts]), [['default', { Queued: 4, Running: 1 }]]);
    assert.deepEqual((await s.jobs.stateCounts()), { Queued: 5, Running: 1 });
  });

  test('configureQueue sets and removes a default callback; setPaused holds and releases waiting jobs', async () => {
    let q = await s.jobs.configureQueue('acme', 'q', { type: 'http', url: 'https://h.example.com', format: 'xml' });
    assert.deepEqual(q.callback, { type: 'http', url: 'https://h.example.com', format: 'xml' });
    q = await s.jobs.configureQueue('acme', 'q', undefined);
    assert.ok(q.callback, 'undefined leaves it');
    q = await s.jobs.configureQueue('acme', 'q', null);
    assert.equal(q.callback, undefined);
    const a = await s.jobs.send(job({ queue: 'q' }));
    await s.jobs.setPaused('acme', 'q', true);
    assert.equal((await s.jobs.byId(a.id))!.state, 'Paused');
    assert.equal(await take(), undefined, 'a paused job is not fetched');
    await s.jobs.setPaused('acme', 'q', false);
    assert.equal((await take())!.id, a.id);
  });

  test('the outbox: due deliveries, attempts logged, retries scheduled, the last one ends it', async () => {
    const a = await s.jobs.send(job({ callback: { type: 'redis', stream: 's' } }));
    await take();
    await s.jobs.complete(lease(a.id), { code: 'OK', message: 'searched' });
    const now = Date.now();
    const [d] = await s.outbox.due(now + 1, 10);
    assert.equal(d.jobId, a.id);
    await s.outbox.recordAttempt(d.id, { attempt: 1, time: new Date().toISOString(), ok: false, error: 'down', milliseconds: 3 }, now + 60_000);
    assert.deepEqual(await s.outbox.due(now + 1, 10), []);
    assert.ok((await s.outbox.nextDueIn(now))! > 59_000);
    await s.outbox.recordAttempt(d.id, { attempt: 2, time: new Date().toISOString(), ok: true, status: 200, milliseconds: 3 });
    const [done] = await s.outbox.deliveries(a.id);
    assert.deepEqual([done.state, done.attempts, done.log.map((l) => l.ok)], ['Delivered', 2, [false, true]]);
  });

  test('workers on four connections fetching at once take each job once, highest priority first', async () => {
    const others = [await db.open(), await db.open(), await db.open()];
    try {
      const sent = [];
      for (let i = 0; i < 24; i++) sent.push(await s.jobs.send(job({ priority: i % 3 })));
      const workers = [s, ...others].map(async (stores, w) => {
        const got: Array<{ id: string; priority: number }> = [];
        for (let j = await stores.jobs.fetch(`host:${w}`, 60_000); j; j = await stores.jobs.fetch(`host:${w}`, 60_000)) got.push(j);
        return got;
      });
      const taken = (await Promise.all(workers)).flat();
      assert.equal(taken.length, 24);
      assert.equal(new Set(taken.map((j) => j.id)).size, 24, 'no job taken twice');
      // Each worker took its jobs highest priority first.
      for (const got of await Promise.all(workers)) {
        assert.deepEqual(got.map((j) => j.priority), [...got.map((j) => j.priority)].sort((a, b) => b - a));
      }
      assert.deepEqual(await s.jobs.stateCounts(), { Running: 24 });
    } finally {
      for (const o of others) await o.close();
    }
  });

  test('a job ends once when its worker and a reaper race: either it completes, or it goes back and the late end is refused', async () => {
    const other = await db.open();
    try {
      const lib = (await s.libraries.createLibrary('acme', 'films', 'video'))!;
      for (let round = 0; round < 10; round++) {
        const a = await s.jobs.send(job({ mode: 'onlysave', primaryKey: `k${round}`, callback: { type: 'redis', stream: 'e' } }));
        await take(WORKER, -1);
        const [completed, reaped] = await Promise.allSettled([
          s.jobs.complete(lease(a.id), { code: 'OK', message: 'stored' }, { put: { libraryId: lib.id, item: item(`k${round}`), replace: false } }),
          other.jobs.requeueRunning(3, { expiredOnly: true }),
        ]);
        const state = (await s.jobs.byId(a.id))!.state;
        const events = (await s.outbox.deliveries(a.id)).length;
        const stored = await s.libraries.hasItem(lib.id, `k${round}`);
        if (completed.status === 'fulfilled') {
          assert.deepEqual([state, events, stored, reaped.status === 'fulfilled' && reaped.value.requeued], ['Success', 1, true, 0]);
        } else {
          assert.match(String(completed.reason), /not running here/);
          assert.deepEqual([state, events, stored], ['Queued', 0, false]);
          await s.jobs.cancel(a.id);
        }
      }
    } finally {
      await other.close();
    }
  });
});
