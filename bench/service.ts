/**
 * npm run bench:service -- [--workers 1,2] [--jobs 200]
 *
 * The service under load, over real HTTP: a library of 50 items (10 s pieces of the corpus videos,
 * stored by onlysave jobs), then 200 search (nosave) jobs queued at once — excerpts of library items
 * (8 s, scaled to 360p, re-encoded) and clips outside the library, 20 distinct queries x 10 — with 1
 * and 2 workers. Reports throughput, end-to-end latency (submitted -> ended, queue wait included), run
 * time (started -> ended) p50/p99, submit round-trip, and whether each query found what it should.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import { startServer, type RunningServer } from '../test/service-helpers.js';
import { splitVideos, video } from './corpus.js';
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

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function waitAll(server: RunningServer, ids: string[]): Promise<any[]> {
  for (;;) {
    const jobs: any[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      jobs.push(...(await server.api('GET', `/v1/jobs?JobIds=${ids.slice(i, i + 10).join(',')}`)).body.Jobs);
    }
    if (jobs.every((j) => ['Success', 'Failed', 'Cancelled'].includes(j.State))) return jobs;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function measure(workers: number, pieces: Piece[], qs: Query[], jobCount: number): Promise<string> {
  const data = join(DIR, `data-${workers}`);
  rmSync(data, { recursive: true, force: true });
  // The operator's own measurement: no per-key rate limit (the result reads would be throttled).
  const server = await startServer(data, ['--workers', String(workers), '--allow-path', DIR, '--allow-path', join(video('mdn_flower.webm'), '..'), '--log-level', 'warn', '--rate-limit', '0']);
  try {
    await server.api('POST', '/v1/libraries', { Name: 'bench' });
    const t0 = Date.now();
    const saveIds = [];
    for (const p of pieces) {
      const r = await server.api('POST', '/v1/jobs', { Library: 'bench', Mode: 'onlysave', PrimaryKey: p.key, Input: { Type: 'Path', Source: p.path } });
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      saveIds.push(r.body.JobId);
    }
    const saved = await waitAll(server, saveIds);
    const saveSeconds = (Date.now() - t0) / 1000;
    if (saved.some((j) => j.State !== 'Success')) throw new Error(`save failed: ${JSON.stringify(saved.find((j) => j.State !== 'Success'))}`);

    const submitMs: number[] = [];
    const ids: string[] = [];
    const expect = new Map<string, Query>();
    for (let i = 0; i < jobCount; i++) {
      const q = qs[i % qs.length];
      const s = performance.now();
      const r = await server.api('POST', '/v1/jobs', { Library: 'bench', Mode: 'nosave', Input: { Type: 'Path', Source: q.path } });
      submitMs.push(performance.now() - s);
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      ids.push(r.body.JobId);
      expect.set(r.body.JobId, q);
    }
    const jobs = await waitAll(server, ids);
    const t = (s: string) => Date.parse(s);
    const latency = jobs.map((j) => (t(j.CompleteTime) - t(j.CreateTime)) / 1000);
    const runTime = jobs.map((j) => (t(j.CompleteTime) - t(j.StartTime)) / 1000);
    const span = (Math.max(...jobs.map((j) => t(j.CompleteTime))) - Math.min(...jobs.map((j) => t(j.CreateTime)))) / 1000;
    let right = 0;
    await mapLimit(jobs, 8, async (j) => {
      const res = await server.api('GET', `/v1/jobs/${j.JobId}/result`);
      if (res.status !== 200) throw new Error(`result of ${j.JobId}: ${res.status} ${JSON.stringify(res.body)}`);
      const result = res.body;
      const q = expect.get(j.JobId)!;
      const keys = (result.Matches ?? []).map((m: { PrimaryKey: string }) => m.PrimaryKey);
      if (j.State === 'Success' && (q.expect ? keys.includes(q.expect) : keys.length === 0)) right++;
    });
    const failed = jobs.filter((j) => j.State !== 'Success').length;
    return (
      `| ${workers} | ${(jobCount / span).toFixed(2)} | ${pct(latency, 50).toFixed(1)} / ${pct(latency, 99).toFixed(1)} | ` +
      `${pct(runTime, 50).toFixed(2)} / ${pct(runTime, 99).toFixed(2)} | ${pct(submitMs, 50).toFixed(1)} / ${pct(submitMs, 99).toFixed(1)} | ` +
      `${right}/${jobCount} | ${failed} | ${(pieces.length / saveSeconds).toFixed(2)} |`
    );
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const workers = arg('workers', '1,2').split(',').map(Number);
  const jobCount = Number(arg('jobs', '200'));
  process.stderr.write('preparing 50 library pieces and 20 queries (cached in bench/out/service)...\n');
  const pieces = await libraryPieces();
  const qs = await queries(pieces);
  const rows = [];
  for (const w of workers) {
    process.stderr.write(`${w} worker(s): 50 onlysave jobs, then ${jobCount} search jobs...\n`);
    rows.push(await measure(w, pieces, qs, jobCount));
  }
  process.stdout.write(
    `\n${jobCount} queued search jobs (20 distinct queries: 16 excerpts of 8 s at 360p, 4 clips outside the library) on a 50-item library\n\n` +
      '| workers | jobs/s | end-to-end s p50 / p99 | run time s p50 / p99 | submit ms p50 / p99 | right answer | failed | save jobs/s (50 x 10 s) |\n' +
      '|---|---|---|---|---|---|---|---|\n' +
      `${rows.join('\n')}\n`,
  );
}

await main();
