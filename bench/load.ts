/**
 * npm run bench:load -- [--workers 1,2] [--jobs 300] [--reads 500] [--submitters 16]
 *
 * The service under load, over real HTTP on loopback: a library of 50 items (10 s pieces of the corpus
 * videos), then 300 jobs submitted 16 at a time — a third onlysave of those pieces under new keys,
 * two thirds search (nosave) of excerpts (8 s, 360p, re-encoded) and of clips outside the library —
 * and, while the workers are busy, a burst of 500 concurrent status reads (job by id, jobs by ids,
 * libraries). Every job has an HTTP callback to a local receiver, which counts each job's events.
 * Reports jobs/s with 1 and 2 worker processes, submit and read latency p50/p99, errors, jobs lost
 * (never ended) and duplicated (more than one event), and whether each search found what it should.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import { startReceiver, startServer, waitForJobs } from '../test/service-helpers.js';
import { splitVideos, video } from './corpus.js';
import { coresBusy, machineTicks, percentile } from './measure.js';
import { OUT } from './paths.js';
import { mapLimit } from './pool.js';

const run = promisify(execFile);
const DIR = join(OUT, 'service');
const ITEMS = 50;
const PIECE_SECONDS = 10;
const SHORT_UNRELATED = ['forensics_movie-hello.mp4', 'udacity_solidWhiteRight_dashcam.mp4', 'mdn_friday.mp4', 'mdn_flower.webm'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function ffmpeg(args: string[]): Promise<void> {
  await run(tools().ffmpeg.path, ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
}

interface Piece {
  key: string;
  path: string;
}

/** 50 pieces of 10 s, round-robin over the corpus videos (decoded from the start: see imageio_cockatoo). */
async function libraryPieces(): Promise<Piece[]> {
  const videos = [...splitVideos('tune'), ...splitVideos('test')];
  const durations = await Promise.all(videos.map(async (v) => (await probe(video(v))).duration));
  const pieces: Array<{ video: string; start: number }> = [];
  for (let round = 0; pieces.length < ITEMS; round++) {
    const before = pieces.length;
    videos.forEach((v, i) => {
      if (pieces.length < ITEMS && (round + 1) * PIECE_SECONDS <= durations[i] + 0.05) pieces.push({ video: v, start: round * PIECE_SECONDS });
    });
    if (pieces.length === before) throw new Error('the corpus is too short for 50 pieces');
  }
  return mapLimit(pieces, 2, async (p) => {
    const key = `${p.video.replace(/\.\w+$/, '')}@${p.start}`;
    const path = join(DIR, `${key}.mp4`);
    if (!existsSync(path)) {
      await ffmpeg(['-i', video(p.video), '-ss', String(p.start), '-t', String(PIECE_SECONDS), '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', path]);
    }
    return { key, path };
  });
}

interface Query {
  path: string;
  /** The library key it should find, or undefined for a clip outside the library. */
  expect?: string;
}

async function queries(pieces: Piece[]): Promise<Query[]> {
  const excerpts = pieces.filter((_, i) => i % 3 === 0).slice(0, 16);
  const made = await mapLimit(excerpts, 2, async (p) => {
    const path = join(DIR, `query_${p.key}.mp4`);
    if (!existsSync(path)) {
      await ffmpeg(['-i', p.path, '-vf', 'fps=25,trim=1:9,setpts=PTS-STARTPTS,scale=-2:360', '-an', '-c:v', 'libx264', '-crf', '28', '-pix_fmt', 'yuv420p', path]);
    }
    return { path, expect: p.key };
  });
  return [...made, ...SHORT_UNRELATED.map((v) => ({ path: video(v) }))];
}

interface Row {
  workers: number;
  jobsPerSecond: number;
  submitMs: number[];
  readMs: number[];
  errors: number;
  lost: number;
  duplicated: number;
  right: number;
  searches: number;
  failed: number;
  /** Cores busy on average from the first submit to the last job's end (every process: API, workers, ffmpeg, this client). */
  cores: number;
}

async function measure(workers: number, pieces: Piece[], qs: Query[], jobCount: number, readCount: number, submitters: number): Promise<Row> {
  const data = join(DIR, `data-${workers}`);
  rmSync(data, { recursive: true, force: true });
  const receiver = await startReceiver();
  // The operator's own measurement: no per-key rate limit (the reads would be throttled).
  const server = await startServer(data, [
    '--workers', String(workers), '--allow-path', DIR, '--allow-path', join(video('mdn_flower.webm'), '..'),
    '--allow-url', '127.0.0.1', '--log-level', 'warn', '--rate-limit', '0',
  ]);
  try {
    await server.api('POST', '/v1/libraries', { Name: 'bench' });
    const saveIds = [];
    for (const p of pieces) {
      const r = await server.api('POST', '/v1/jobs', { Library: 'bench', Mode: 'onlysave', PrimaryKey: p.key, Input: { Type: 'Path', Source: p.path } });
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      saveIds.push(r.body.JobId);
    }
    const saved = await waitForJobs(server, saveIds);
    if (saved.some((j) => j.State !== 'Success')) throw new Error(`save failed: ${JSON.stringify(saved.find((j) => j.State !== 'Success'))}`);

    const specs = Array.from({ length: jobCount }, (_, i) => {
      const callback = { Type: 'HTTP', Url: `${receiver.url}/hook`, Format: 'json' };
      if (i % 3 === 2) {
        const p = pieces[i % pieces.length];
        return { body: { Library: 'bench', Mode: 'onlysave', PrimaryKey: `${p.key}#${i}`, Input: { Type: 'Path', Source: p.path }, Callback: callback } };
      }
      const q = qs[i % qs.length];
      return { body: { Library: 'bench', Mode: 'nosave', Input: { Type: 'Path', Source: q.path }, Callback: callback }, query: q };
    });
    const submitMs: number[] = [];
    const readMs: number[] = [];
    let errors = 0;
    const ids: string[] = [];
    const expect = new Map<string, Query>();
    // Each submitter's connection is opened first, as a client's pool keeps its connections: the first
    // request on a new one measured this busy client's connection set-up (~25 ms each, one after another:
    // the first burst's answers left the server in 1-3 ms but reached the client after 70-260 ms).
    await Promise.all(Array.from({ length: submitters }, () => server.api('GET', '/v1/libraries')));
    const t0 = Date.now();
    const ticks0 = machineTicks();
    await mapLimit(specs, submitters, async (spec) => {
      const s = performance.now();
      const r = await server.api('POST', '/v1/jobs', spec.body);
      submitMs.push(performance.now() - s);
      if (r.status !== 201) {
        if (errors++ === 0) process.stderr.write(`a submit failed: ${r.status} ${JSON.stringify(r.body)}\n`);
        return;
      }
      ids.push(r.body.JobId);
      if (spec.query) expect.set(r.body.JobId, spec.query);
    });
    // The workers are busy now: a burst of reads, all at once.
    const reads = Array.from({ length: readCount }, (_, i) =>
      i % 3 === 0 ? `/v1/jobs/${ids[i % ids.length]}` : i % 3 === 1 ? `/v1/jobs?JobIds=${ids.slice(i % 50, (i % 50) + 10).join(',')}` : '/v1/libraries',
    );
    await Promise.all(
      reads.map(async (path) => {
        const s = performance.now();
        const r = await server.api('GET', path).catch(() => ({ status: 0 }));
        readMs.push(performance.now() - s);
        if (r.status !== 200 && errors++ === 0) process.stderr.write(`a read failed: ${r.status}\n`);
      }),
    );
    const jobs = await waitForJobs(server, ids);
    const span = (Date.now() - t0) / 1000;
    const cores = coresBusy(ticks0, machineTicks());
    await receiver.waitFor(ids.length, 60_000).catch(() => undefined);
    const events = new Map<string, number>();
    for (const { body } of receiver.received) {
      const id = (JSON.parse(body) as { JobId: string }).JobId;
      events.set(id, (events.get(id) ?? 0) + 1);
    }
    let right = 0;
    await mapLimit(jobs.filter((j) => expect.has(j.JobId)), 8, async (j) => {
      const res = await server.api('GET', `/v1/jobs/${j.JobId}/result`);
      const q = expect.get(j.JobId)!;
      const keys = (res.body.Matches ?? []).map((m: { PrimaryKey: string }) => m.PrimaryKey.split('#')[0]);
      if (j.State === 'Success' && (q.expect ? keys.includes(q.expect) : keys.length === 0)) right++;
    });
    return {
      workers,
      jobsPerSecond: ids.length / span,
      submitMs,
      readMs,
      errors,
      lost: ids.filter((id) => !events.has(id)).length + jobs.filter((j) => !['Success', 'Failed', 'Cancelled'].includes(j.State)).length,
      duplicated: [...events.values()].filter((n) => n > 1).length,
      right,
      searches: expect.size,
      failed: jobs.filter((j) => j.State !== 'Success').length,
      cores,
    };
  } finally {
    await server.stop();
    await receiver.close();
  }
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const workers = arg('workers', '1,2').split(',').map(Number);
  const jobCount = Number(arg('jobs', '300'));
  const readCount = Number(arg('reads', '500'));
  const submitters = Number(arg('submitters', '16'));
  process.stderr.write('preparing 50 library pieces and 20 queries (cached in bench/out/service)...\n');
  const pieces = await libraryPieces();
  const qs = await queries(pieces);
  const rows: Row[] = [];
  for (const w of workers) {
    process.stderr.write(`${w} worker process(es): 50 onlysave jobs, then ${jobCount} mixed jobs and ${readCount} reads...\n`);
    rows.push(await measure(w, pieces, qs, jobCount, readCount, submitters));
  }
  const ms = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 99).toFixed(1)}`;
  process.stdout.write(
    `\n${jobCount} jobs (1/3 onlysave, 2/3 search: 16 excerpts of 8 s at 360p, 4 clips outside the library) on a 50-item library, ` +
      `submitted ${submitters} at a time; ${readCount} concurrent reads while the workers are busy\n\n` +
      '| worker processes | jobs/s | × one worker | cores busy | CPU s per job | submit ms p50 / p99 | read ms p50 / p99 | errors | lost | duplicated | right searches | failed |\n' +
      '|---|---|---|---|---|---|---|---|---|---|---|---|\n' +
      rows
        .map(
          (r) =>
            `| ${r.workers} | ${r.jobsPerSecond.toFixed(2)} | ${(r.jobsPerSecond / rows[0].jobsPerSecond).toFixed(2)} | ${r.cores.toFixed(2)} of ${cpus().length} | ${(r.cores / r.jobsPerSecond).toFixed(2)} | ${ms(r.submitMs)} | ${ms(r.readMs)} | ` +
            `${r.errors} | ${r.lost} | ${r.duplicated} | ${r.right}/${r.searches} | ${r.failed} |`,
        )
        .join('\n') +
      '\n',
  );
  // With one worker the machine already does this much at once (ffmpeg decodes beside the worker's
  // JavaScript; the API and this client run too): more workers can at best fill the rest.
  const one = rows.find((r) => r.workers === 1);
  if (one) process.stdout.write(`\none worker keeps ${one.cores.toFixed(2)} of ${cpus().length} cores busy: at the same CPU per job no number of workers can exceed ${(cpus().length / one.cores).toFixed(2)}x its throughput here\n`);
}

await main();
