/**
 * SIGKILL at each point of a job's life, repeated: mid-search, around a delete, and mid-delivery of a
 * callback. After each restart every job has ended exactly once (one event id), and the library is
 * consistent: each item wholly present or wholly absent, and the index agrees with the item list.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { media, tempDir, until } from './helpers.js';
import { startServer, waitForJob, type RunningServer } from './service-helpers.js';

const LONG = media('video/openboard_wannaworktogether.mp4');
const CLIPS = { sintel: media('video/zwm_sintel_10s.mp4'), llama: media('video/zwm_caminandes_10s.mp4'), flower: media('video/mdn_flower.webm') };
const ROUNDS = 2;

/** A callback receiver that records each event and, while `holding`, answers a job's first event never (a delivery in flight). */
async function stallingReceiver() {
  const received: Array<{ jobId: string; eventId: string }> = [];
  const state = { holding: false, held: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const jobId = JSON.parse(body).JobId as string;
      const first = !received.some((r) => r.jobId === jobId);
      received.push({ jobId, eventId: String(req.headers['x-vdna-event-id']) });
      if (state.holding && first) return void state.held++;
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    state,
    close: () => new Promise<void>((r) => server.close(() => r()).closeAllConnections()),
  };
}

const items = async (server: RunningServer) =>
  (await server.api('GET', '/v1/libraries/films/items')).body.Items.map((i: { PrimaryKey: string }) => i.PrimaryKey).sort();

/** A search of each clip finds exactly the stored items made of it (the index agrees with the list). */
async function indexAgrees(server: RunningServer): Promise<void> {
  const stored: string[] = await items(server);
  for (const [name, path] of Object.entries(CLIPS)) {
    const r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'nosave', Input: { Type: 'Path', Source: path } });
    const found = (await server.api('GET', `/v1/jobs/${(await waitForJob(server, r.body.JobId)).JobId}/result`)).body.Matches.map((m: { PrimaryKey: string }) => m.PrimaryKey);
    assert.deepEqual(found.sort(), stored.filter((key) => key.split('-')[0] === name), `the index and the list disagree on ${name}`);
  }
}

test('SIGKILL mid-search, around a delete and mid-callback, repeated: every job ends once, the library stays consistent', async () => {
  const dir = tempDir();
  const data = join(dir.path, 'data');
  const receiver = await stallingReceiver();
  const args = ['--allow-path', media('video'), '--allow-private-urls'];
  let server = await startServer(data, args);
  const restart = async () => {
    await server.stop('SIGKILL');
    server = await startServer(data, args);
  };
  const callback = { Type: 'HTTP', Url: `${receiver.url}/done`, Format: 'json' };
  const jobs: string[] = [];
  try {
    await server.api('POST', '/v1/libraries', { Name: 'films' });
    for (const [key, path] of Object.entries(CLIPS)) {
      const r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: key, Input: { Type: 'Path', Source: path } });
      await waitForJob(server, r.body.JobId);
    }
    for (let round = 0; round < ROUNDS; round++) {
      // Mid-search: the long query is running when the server dies.
      const search = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'nosave', Input: { Type: 'Path', Source: LONG }, Callback: callback });
      jobs.push(search.body.JobId);
      await waitForJob(server, search.body.JobId, 60_000, ['Running']);
      await restart();
      assert.equal((await waitForJob(server, search.body.JobId, 300_000)).State, 'Success');

      // Around a delete: killed right after it is queued (it may have run, or not).
      const victim = round === 0 ? 'llama' : 'flower';
      const del = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'delete', PrimaryKey: victim, Callback: callback });
      jobs.push(del.body.JobId);
      await restart();
      assert.equal((await waitForJob(server, del.body.JobId)).State, 'Success');
      assert.ok(!(await items(server)).includes(victim), `${victim} is gone`);

      // Mid-delivery: the receiver holds the save's event unanswered when the server dies; it comes again after.
      // The earlier jobs' events first (a restarted server sends those it had not), so that the one held is the save's.
      await until('the earlier events', () => jobs.every((id) => receiver.received.some((r) => r.jobId === id)));
      receiver.state.holding = true;
      const held = receiver.state.held;
      const save = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: `${victim}-again`, Input: { Type: 'Path', Source: CLIPS[victim] }, Callback: callback });
      jobs.push(save.body.JobId);
      await until('the event in flight', () => receiver.state.held > held);
      await restart();
      receiver.state.holding = false;
      await until('the event delivered again', () => receiver.received.filter((r) => r.jobId === save.body.JobId).length >= 2);
      await indexAgrees(server);
    }
    await until('every event', () => jobs.every((id) => receiver.received.some((r) => r.jobId === id)));
    await new Promise((r) => setTimeout(r, 1000));
    const eventIds = new Map<string, Set<string>>();
    for (const r of receiver.received) eventIds.set(r.jobId, (eventIds.get(r.jobId) ?? new Set()).add(r.eventId));
    assert.deepEqual([...eventIds.keys()].sort(), [...jobs].sort(), 'every job reported');
    assert.ok([...eventIds.values()].every((ids) => ids.size === 1), 'every job ended once');
    assert.deepEqual(await items(server), ['flower-again', 'llama-again', 'sintel']);
  } finally {
    await server.stop();
    await receiver.close();
    dir.cleanup();
  }
});
