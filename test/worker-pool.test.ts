/** Worker processes: jobs spread over them, a killed worker's job runs again once, SIGTERM finishes work and flushes callbacks. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decoderShare } from '../src/worker/pool.js';
import { media, ROOT, tempDir, until } from './helpers.js';
import { childCommands, startReceiver, startServer, waitForJob, type RunningServer } from './service-helpers.js';

const LONG = media('video/openboard_wannaworktogether.mp4');
const SHORT = [media('video/zwm_sintel_10s.mp4'), media('video/zwm_caminandes_10s.mp4'), media('video/mdn_flower.webm'), media('video/zwm_tears_of_steel_10s.mp4')];
const ARGS = ['--allow-path', media('video'), '--allow-private-urls'];

/** The server's worker processes (its children running `vdna worker`). */
function workerPids(server: RunningServer): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(server.proc.pid), '-f', 'worker --pooled'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('worker processes', () => {
  test('two workers share the jobs; a SIGKILLed worker is replaced and its job runs again, ending once', async () => {
    const dir = tempDir();
    const receiver = await startReceiver();
    const server = await startServer(join(dir.path, 'data'), [...ARGS, '--workers', '2']);
    try {
      const pids = await until('two workers', () => (workerPids(server).length === 2 ? workerPids(server) : undefined));
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      const callback = { Type: 'HTTP', Url: `${receiver.url}/done`, Format: 'json' };
      const long = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'long', Input: { Type: 'Path', Source: LONG }, Callback: callback });
      const shorts = [];
      for (const [i, path] of SHORT.entries()) {
        shorts.push((await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: `s${i}`, Priority: 0, Input: { Type: 'Path', Source: path }, Callback: callback })).body.JobId);
      }
      // Both workers busy at once: the long job and a short one.
      await until('two running jobs', async () => ((await server.api('GET', '/v1/jobs?State=Running')).body.Jobs.length === 2 ? true : undefined));
      await until('progress on the long job', async () => ((await server.api('GET', `/v1/jobs/${long.body.JobId}`)).body.Progress >= 5 ? true : undefined));
      // Kill the worker that runs the long job: the one whose ffmpeg reads it.
      const victim = await until('the worker decoding the long job', () => pids.find((pid) => childCommands(pid).includes('wannaworktogether')));
      // Each of the two workers' decoders takes its share of the cores, not all of them.
      assert.match(childCommands(victim), new RegExp(` -threads ${process.env.VDNA_DECODER_THREADS ?? decoderShare(2)} -i `));
      process.kill(victim, 'SIGKILL');
      await until('a replacement worker', () => {
        const now = workerPids(server);
        return now.length === 2 && !now.includes(victim) ? true : undefined;
      });
      const job = await waitForJob(server, long.body.JobId, 300_000);
      assert.deepEqual([job.State, job.Attempts], ['Success', 2], JSON.stringify(job));
      for (const id of shorts) assert.equal((await waitForJob(server, id)).State, 'Success');
      const items = (await server.api('GET', '/v1/libraries/films/items')).body.Items.map((i: { PrimaryKey: string }) => i.PrimaryKey);
      assert.deepEqual(items, ['long', 's0', 's1', 's2', 's3']);
      await receiver.waitFor(5);
      await new Promise((r) => setTimeout(r, 500));
      // Each job ended once: one event id per job (a receiver may see an id twice: delivery is at least once).
      const eventIds = new Map<string, Set<string>>();
      for (const r of receiver.received) {
        const id = JSON.parse(r.body).JobId as string;
        eventIds.set(id, (eventIds.get(id) ?? new Set()).add(String(r.headers['x-vdna-event-id'])));
      }
      assert.deepEqual([...eventIds.keys()].sort(), [long.body.JobId, ...shorts].sort());
      assert.ok([...eventIds.values()].every((ids) => ids.size === 1), JSON.stringify([...eventIds].map(([k, v]) => [k, [...v]])));
      assert.match(server.log(), /jobs of a stopped worker went back to the queue/);
    } finally {
      await server.stop();
      await receiver.close();
      dir.cleanup();
    }
  });

  test('SIGTERM lets a running job finish, delivers its callback, then exits; --no-workers (--workers 0) runs no job, vdna worker does', async () => {
    const dir = tempDir();
    const data = join(dir.path, 'data');
    const receiver = await startReceiver();
    let server = await startServer(data, ARGS);
    try {
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      const callback = { Type: 'HTTP', Url: `${receiver.url}/done`, Format: 'json' };
      const r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'k', Input: { Type: 'Path', Source: SHORT[0] }, Callback: callback });
      await waitForJob(server, r.body.JobId, 60_000, ['Running']);
      await server.stop('SIGTERM');
      assert.equal(receiver.received.length, 1, 'the event was delivered before the server exited');
      assert.equal(JSON.parse(receiver.received[0].body).Status, 'Success');

      server = await startServer(data, [...ARGS, '--no-workers']);
      assert.equal((await server.api('GET', `/v1/jobs/${r.body.JobId}`)).body.State, 'Success');
      assert.equal(workerPids(server).length, 0);
      const queued = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'later', Input: { Type: 'Path', Source: SHORT[1] } });
      await new Promise((res) => setTimeout(res, 1500));
      assert.equal((await server.api('GET', `/v1/jobs/${queued.body.JobId}`)).body.State, 'Queued', 'an API-only server leaves jobs to workers');
      // A worker of its own (vdna worker) takes it, and stops on SIGTERM.
      const worker = spawn(process.execPath, [join(ROOT, 'bin', 'vdna.js'), '--data', data, 'worker', '--allow-path', media('video')], { stdio: 'ignore' });
      try {
        assert.equal((await waitForJob(server, queued.body.JobId)).State, 'Success');
      } finally {
        worker.kill('SIGTERM');
        const [code] = await once(worker, 'exit');
        assert.equal(code, 0);
      }
    } finally {
      await server.stop();
      await receiver.close();
      dir.cleanup();
    }
  });
});
