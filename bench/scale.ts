/**
 * npm run bench:scale -- [--only ingest|search] [--workers 1,2,4] [--rounds 3]
 *                        [--engines sqlite,postgres] [--hours 1000,10000] [--runs 101]
 *
 * Scale-out on loopback, with a throwaway PostgreSQL (scripts/setup-postgres.sh installs it):
 * (a) ingestion: 1, 2 and 4 standalone `vdna worker` processes on one PostgreSQL database behind an
 *     API-only server, a fixed mix of onlysave jobs (every corpus video of 10 s or more, `--rounds`
 *     times); jobs/s (first start to last end), x realtime, and CPU seconds per job of the workers
 *     with their ffmpeg and of the API server, and of PostgreSQL apart;
 * (b) search at scale: synthetic libraries (bench/synthetic.ts) written through each engine's
 *     LibraryStore, then, as a server that just started: the library index loaded from the engine
 *     (cold), the first search (which builds the multi-index), and warm p50/p99 of a 60 s query;
 *     on PostgreSQL twice, the same library searched with the multi-index in memory (`postgres`) and
 *     on the database's frame keys (`postgres-database`: no frames in memory), with the frame keys' size.
 * The 1-minute load average is printed at the start of each phase: the machine may be shared.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { LibraryIndexes } from '../src/match/library-indexes.js';
import { probe } from '../src/media/probe.js';
import { openPostgresStores } from '../src/store/postgres/index.js';
import { openSqliteStores } from '../src/store/sqlite/index.js';
import type { DatabaseStores } from '../src/stores.js';
import { FINGERPRINT_VERSION } from '../src/vdna.js';
import { startPostgres, type Postgres } from '../test/postgres-helpers.js';
import { startServer, startWorker, waitForJobs } from '../test/service-helpers.js';
import { splitVideos, video } from './corpus.js';
import { cpuSeconds, loadAverage, percentile } from './measure.js';
import { MEDIA, OUT } from './paths.js';
import { mapLimit } from './pool.js';
import { FPS, lookAgainAtSynthetic, queryPlace, syntheticItem, syntheticQuery } from './synthetic.js';

const DIR = join(OUT, 'scale');
const SEED = 16;
const ACCOUNT = 'default';
const LIBRARY = 'scale';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const list = (name: string, fallback: string) => arg(name, fallback).split(',');
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- (a) ingestion

interface IngestRow {
  workers: number;
  load: string;
  jobs: number;
  failed: number;
  seconds: number;
  mediaSeconds: number;
  vdnaCpu: number;
  postgresCpu: number;
}

interface Save {
  clip: string;
  key: string;
}

/** One phase: an API-only server and `workers` standalone workers on a fresh database run the mix. */
async function ingest(cluster: Postgres, workers: number, mix: Save[], mediaSeconds: number): Promise<IngestRow> {
  const load = loadAverage();
  process.stderr.write(`ingestion, ${workers} worker(s): ${mix.length} onlysave jobs (load average ${load})...\n`);
  const env = { VDNA_DATABASE_URL: await cluster.database(), VDNA_MASTER_KEY: randomBytes(32).toString('hex') };
  const data = join(DIR, `ingest-${workers}`);
  rmSync(data, { recursive: true, force: true });
  const allow = ['--allow-path', join(MEDIA, 'video')];
  const cpuBefore = cpuSeconds('self', 'children');
  const pgBefore = cpuSeconds(cluster.serverPid());
  const server = await startServer(join(data, 'api'), ['--workers', '0', ...allow, '--log-level', 'warn', '--rate-limit', '0'], env);
  const running = Array.from({ length: workers }, (_, i) => startWorker(join(data, `worker-${i}`), allow, env));
  let jobs: any[];
  try {
    while (!running.every((w) => w.output().includes('vdna worker running'))) await sleep(100);
    await sleep(1500); // their stores open, their runners start polling
    await server.api('POST', '/v1/libraries', { Name: 'ingest' });
    const ids = await mapLimit(mix, 8, async ({ clip, key }) => {
      const r = await server.api('POST', '/v1/jobs', { Library: 'ingest', Mode: 'onlysave', PrimaryKey: key, Input: { Type: 'Path', Source: video(clip) } });
      if (r.status !== 201) throw new Error(JSON.stringify(r.body));
      return r.body.JobId as string;
    });
    jobs = await waitForJobs(server, ids, 200);
  } finally {
    for (const w of running) await w.stop();
    await server.stop();
  }
  await sleep(500); // their backends end, and count in the postmaster's children
  const first = Math.min(...jobs.map((j) => Date.parse(j.StartTime)));
  const last = Math.max(...jobs.map((j) => Date.parse(j.CompleteTime)));
  return {
    workers,
    load,
    jobs: jobs.length,
    failed: jobs.filter((j) => j.State !== 'Success').length,
    seconds: (last - first) / 1000,
    mediaSeconds,
    // The stopped workers (with their ffmpeg) and server are this process's waited-for children now.
    vdnaCpu: cpuSeconds('self', 'children') - cpuBefore,
    postgresCpu: cpuSeconds(cluster.serverPid()) - pgBefore,
  };
}

/** Every corpus video of 10 s or more, `rounds` times, under keys of their own; phases of 1, 2, 4 … workers. */
async function ingestion(cluster: Postgres, counts: number[], rounds: number): Promise<IngestRow[]> {
  const clips = [...splitVideos('tune'), ...splitVideos('test')].sort();
  const durations = new Map(await Promise.all(clips.map(async (c) => [c, (await probe(video(c))).duration] as const)));
  const mix = Array.from({ length: rounds }, (_, r) => clips.map((clip) => ({ clip, key: `${clip}#${r}` }))).flat();
  const mediaSeconds = mix.reduce((a, m) => a + durations.get(m.clip)!, 0);
  const rows: IngestRow[] = [];
  for (const workers of counts) rows.push(await ingest(cluster, workers, mix, mediaSeconds));
  return rows;
}

function printIngestion(rows: IngestRow[]): void {
  say('\n## (a) ingestion on PostgreSQL: standalone workers behind an API-only server, onlysave jobs of real clips\n');
  say('| worker processes | load avg at start | jobs | failed | jobs/s | × one worker | × realtime | CPU s per job (vdna + ffmpeg) | CPU s per job (PostgreSQL) | jobs per core-hour |');
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const perJob = (r.vdnaCpu + r.postgresCpu) / r.jobs;
    say(
      `| ${r.workers} | ${r.load} | ${r.jobs} | ${r.failed} | ${(r.jobs / r.seconds).toFixed(2)} | ${(r.jobs / r.seconds / (rows[0].jobs / rows[0].seconds)).toFixed(2)} | ` +
        `${(r.mediaSeconds / r.seconds).toFixed(1)} | ${(r.vdnaCpu / r.jobs).toFixed(2)} | ${(r.postgresCpu / r.jobs).toFixed(3)} | ${(3600 / perJob).toFixed(0)} |`,
    );
  }
  say(`\n(${rows[0]?.jobs} jobs = ${((rows[0]?.mediaSeconds ?? 0) / 60).toFixed(1)} min of video per phase; jobs per core-hour = 3600 / all CPU s per job)`);
}

// ---------------------------------------------------------------- (b) search at scale

/** Where the library is stored, and for PostgreSQL which index a search asks: its own in memory, or the database's frame keys. */
type Engine = 'sqlite' | 'postgres' | 'postgres-database';

interface SearchRow {
  engine: Engine;
  hours: number;
  load: string;
  buildSeconds: number;
  storedBytes: number;
  frameKeyBytes: number;
  loadSeconds: number;
  firstSearchSeconds: number;
  warm: number[];
  found: number;
  rssBytes: number;
}

/** Where an engine keeps a synthetic library of `hours`: its stores, and the bytes the library takes. */
interface Place {
  open(): Promise<DatabaseStores>;
  bytes(): Promise<number>;
  /** Of those, the frame keys' (table and indexes). */
  frameKeyBytes(): Promise<number>;
  settle?(): Promise<void>;
}

/** PostgreSQL's libraries by hours: both search paths read the same one. */
const postgresPlaces = new Map<number, Promise<Place>>();

function place(engine: Engine, hours: number, cluster?: Postgres): Promise<Place> {
  if (engine === 'sqlite') return sqlitePlace(hours);
  if (!postgresPlaces.has(hours)) postgresPlaces.set(hours, postgresPlace(cluster!));
  return postgresPlaces.get(hours)!;
}

async function sqlitePlace(hours: number): Promise<Place> {
  const dir = join(DIR, `sqlite-${hours}h`);
  const file = (name: string) => (existsSync(join(dir, name)) ? statSync(join(dir, name)).size : 0);
  return { open: async () => openSqliteStores(dir), bytes: async () => file('vdna.sqlite') + file('vdna.sqlite-wal'), frameKeyBytes: async () => 0 };
}

async function postgresPlace(cluster: Postgres): Promise<Place> {
  const url = await cluster.database();
  const query = async (sql: string) => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      return Number((await client.query(sql)).rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  };
  const size = () => query('SELECT pg_database_size(current_database()) AS n');
  await (await openPostgresStores(url)).close(); // the schema, without which the database is not empty
  const empty = await size();
  return {
    open: () => openPostgresStores(url),
    bytes: async () => (await size()) - empty,
    frameKeyBytes: () => query(`SELECT SUM(pg_total_relation_size(c.oid)) AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'frame_keys'::regclass`),
    // The visibility map that index-only scans rely on (autovacuum sets it too, after bulk inserts).
    settle: async () => void (await query('VACUUM (ANALYZE) frame_keys')),
  };
}

/** Writes the synthetic library through the engine's LibraryStore, one item at a time; kept when it is already there (SQLite). */
async function build(at: Place, hours: number): Promise<number> {
  const stores = await at.open();
  const t0 = performance.now();
  try {
    const existing = await stores.libraries.library(ACCOUNT, LIBRARY);
    if (existing?.itemCount === hours) return 0;
    if (existing) await stores.libraries.deleteLibrary(existing.id);
    const library = (await stores.libraries.createLibrary(ACCOUNT, LIBRARY, 'video'))!;
    for (let n = 0; n < hours; n++) {
      const item = { ...syntheticItem(n, SEED), source: 'synthetic', fingerprintVersion: FINGERPRINT_VERSION, addedAt: new Date().toISOString() };
      await stores.libraries.putItem(library.id, item, false);
      if (n % 100 === 99) process.stderr.write(`  ${n + 1}/${hours} items, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
    await at.settle?.();
  } finally {
    await stores.close();
  }
  return (performance.now() - t0) / 1000;
}

async function searchAtScale(engine: Engine, hours: number, runs: number, cluster?: Postgres): Promise<SearchRow> {
  const load = loadAverage();
  process.stderr.write(`search, ${engine}, ${hours} h (load average ${load}): building the library...\n`);
  const at = await place(engine, hours, cluster);
  const buildSeconds = await build(at, hours);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  // As a server that just started: fresh stores and no index; the first search loads it.
  const stores = await at.open();
  try {
    const mode = engine === 'postgres-database' ? 'database' : 'memory';
    const indexes = new LibraryIndexes(stores.libraries, stores.frameKeys, { mode, databaseHours: 0 });
    // The queries are cut from the synthetic items, made again from their seed (not read from the index).
    const queries = Array.from({ length: runs + 1 }, (_, r) => {
      const { item, start } = queryPlace(r, hours);
      const frames = syntheticItem(item, SEED);
      const video = syntheticQuery(frames, start, 6, 1000 + r);
      return { fp: { video, duration: 60 }, lookAgain: lookAgainAtSynthetic(video), key: frames.key, start };
    });
    let t = performance.now();
    await indexes.index(await indexes.library(ACCOUNT, LIBRARY));
    const loadSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    await indexes.search(await indexes.library(ACCOUNT, LIBRARY), queries[0].fp, {}, queries[0].lookAgain);
    const firstSearchSeconds = (performance.now() - t) / 1000;
    const warm: number[] = [];
    let found = 0;
    for (const q of queries.slice(1)) {
      t = performance.now();
      // Each search as a job does it: the library's row (its revision), its index caught up, the search.
      const matches = await indexes.search(await indexes.library(ACCOUNT, LIBRARY), q.fp, {}, q.lookAgain);
      warm.push(performance.now() - t);
      const seg = matches[0]?.VideoMatchSegments[0];
      if (matches.length === 1 && matches[0].PrimaryKey === q.key && seg && Math.abs(seg.MasterStartTime - q.start) < 1) found++;
    }
    global.gc?.();
    const rssBytes = process.memoryUsage().rss - rssBefore;
    return { engine, hours, load, buildSeconds, storedBytes: await at.bytes(), frameKeyBytes: await at.frameKeyBytes(), loadSeconds, firstSearchSeconds, warm, found, rssBytes };
  } finally {
    await stores.close();
    global.gc?.();
  }
}

function printSearch(rows: SearchRow[], heading = true): void {
  if (heading) {
    say(`\n## (b) search of a 60 s query in synthetic libraries stored in each engine (${rows[0]?.warm.length} warm searches)\n`);
    say('| engine (search index) | library | load avg at start | build s | stored MB (MB/h) | of which frame keys MB/h (bytes/frame) | cold: index load s | first search s | warm p50 ms | warm p99 ms | found | RSS GB |');
    say('|---|---|---|---|---|---|---|---|---|---|---|---|');
  }
  for (const r of rows) {
    say(
      `| ${r.engine} | ${r.hours} h | ${r.load} | ${r.buildSeconds ? r.buildSeconds.toFixed(1) : 'kept'} | ${(r.storedBytes / 1e6).toFixed(0)} (${(r.storedBytes / r.hours / 1e6).toFixed(3)}) | ` +
        `${(r.frameKeyBytes / r.hours / 1e6).toFixed(2)} (${(r.frameKeyBytes / (r.hours * 3600 * FPS)).toFixed(0)}) | ` +
        `${r.loadSeconds.toFixed(1)} | ${r.firstSearchSeconds.toFixed(1)} | ${percentile(r.warm, 50).toFixed(1)} | ${percentile(r.warm, 99).toFixed(1)} | ` +
        `${r.found}/${r.warm.length} | ${(r.rssBytes / 1e9).toFixed(2)} |`,
    );
  }
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const only = arg('only', '');
  const engines = list('engines', 'sqlite,postgres,postgres-database') as Engine[];
  // Search on the database reads its frame keys' index: shared_buffers as a database server would set it (of 23 GB here).
  const cluster = only === 'search' && !engines.some((e) => e.startsWith('postgres')) ? undefined : await startPostgres({ shared_buffers: '4GB' });
  try {
    if (only !== 'search') printIngestion(await ingestion(cluster!, list('workers', '1,2,4').map(Number), Number(arg('rounds', '3'))));
    if (only !== 'ingest') {
      const rows: SearchRow[] = [];
      for (const hours of list('hours', '1000,10000').map(Number)) {
        for (const engine of engines) {
          rows.push(await searchAtScale(engine, hours, Number(arg('runs', '101')), cluster));
          printSearch(rows.slice(-1), rows.length === 1); // each row as it comes: a long run stopped keeps the rows done
        }
      }
    }
  } finally {
    cluster?.stop();
  }
}

await main();
