/**
 * Several processes on one PostgreSQL database: two API-only servers (on one data directory: no lock on
 * a shared database) and two standalone `vdna worker` processes (each with a data directory of its
 * own, as on other machines: jobs' results reach the servers through a bucket). Every job ends exactly once, none runs twice, each callback is sent once though both servers
 * dispatch; a SIGKILLed worker's job is taken back when its lease runs out and run again, once, by the
 * other worker.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startS3, type TestS3 } from './blob-engines.js';
import { media, tempDir, until } from './helpers.js';
import { startPostgres, type Postgres } from './postgres-helpers.js';
import { childCommands, startReceiver, startServer, startWorker, waitForJob, type RunningServer, type RunningWorker } from './service-helpers.js';

const LONG = media('video/openboard_wannaworktogether.mp4');
const SHORT = [media('video/zwm_sintel_10s.mp4'), media('video/zwm_caminandes_10s.mp4'), media('video/mdn_flower.webm'), media('video/zwm_tears_of_steel_10s.mp4')];
const LEASE_S = 5;

let cluster: Postgres | undefined;
let s3: TestS3 | undefined;
after(async () => {
  cluster?.stop();
  await s3?.close();
});

test('two servers and two workers on one PostgreSQL: each job ends once; a SIGKILLed worker’s job runs again once, elsewhere', async () => {
  cluster = await startPostgres();
  s3 = await startS3();
  const env = { VDNA_DATABASE_URL: await cluster.database(), VDNA_MASTER_KEY: randomBytes(32).toString('hex'), VDNA_LEASE_S: String(LEASE_S), ...s3.env(await s3.bucket()) };
  const dir = tempDir();
  const receiver = await startReceiver();
  const servers: RunningServer[] = [];
  const workers: RunningWorker[] = [];
  try {
    // On a shared database servers take no data-directory lock: these two share one (uploads would be seen by both).
    for (let i = 0; i < 2; i++) servers.push(await startServer(join(dir.path, 'api'), ['--workers', '0', '--allow-path', media('video'), '--allow-private-urls'], env));
    for (const name of ['w1', 'w2']) workers.push(startWorker(join(dir.path, name), ['--allow-path', media('video')], env));
    const [a, b] = servers;
    await a.api('POST', '/v1/libraries', { Name: 'films' });
    const callback = { Type: 'HTTP', Url: `${receiver.url}/done`, Format: 'json' };
    const submit = async (server: RunningServer, key: string, path: string) => {
      const r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: key, Input: { Type: 'Path', Source: path }, Callback: callback });
      assert.ok(r.status < 300, JSON.stringify(r.body));
      return r.body.JobId as string;
    };
    const long = await submit(a, 'long', LONG);
    const shorts = [];
    for (const [i, path] of SHORT.entries()) shorts.push(await submit(i % 2 ? a : b, `s${i}`, path));

    // Both workers busy at once, seen through either server.
    await until('two running jobs', async () => ((await b.api('GET', '/v1/jobs?State=Running')).body.Jobs.length === 2 ? true : undefined));
    await until('progress on the long job', async () => ((await a.api('GET', `/v1/jobs/${long}`)).body.Progress >= 5 ? true : undefined), 300_000);
    const victim = await until('the worker decoding the long job', () => workers.find((w) => childCommands(w.proc.pid!).includes('wannaworktogether')));
    victim.proc.kill('SIGKILL');
    await once(victim.proc, 'exit');

    const job = await waitForJob(b, long, 600_000);
    assert.deepEqual([job.State, job.Attempts], ['Success', 2], JSON.stringify(job));
    for (const id of shorts) {
      const short = await waitForJob(a, id, 300_000);
      assert.deepEqual([short.State, short.Attempts], ['Success', 1], JSON.stringify(short));
    }
    const items = (await b.api('GET', '/v1/libraries/films/items')).body.Items.map((i: { PrimaryKey: string }) => i.PrimaryKey);
    assert.deepEqual(items, ['long', 's0', 's1', 's2', 's3']);
    // Each result, written by a worker on its own data directory, is read by either server.
    for (const id of [long, ...shorts]) assert.equal((await a.api('GET', `/v1/jobs/${id}/result`)).body.Saved, true, id);

    // One event per job, sent once, though two dispatchers work the one outbox.
    await receiver.waitFor(5, 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    const events = receiver.received.map((r) => `${JSON.parse(r.body).JobId} ${r.headers['x-vdna-event-id']}`);
    assert.equal(events.length, 5, events.join('\n'));
    assert.deepEqual(events.map((e) => e.split(' ')[0]).sort(), [long, ...shorts].sort());
  } catch (err) {
    const logs = [...servers.map((s) => s.log()), ...workers.map((w) => w.output())].join('\n---\n');
    throw new Error(`${(err as Error).message}\n${logs.slice(-6000)}`, { cause: err });
  } finally {
    for (const w of workers) await w.stop();
    for (const s of servers) await s.stop();
    await receiver.close();
    dir.cleanup();
  }
});
