/** `vdna serve`, `vdna worker` and `vdna jobs …`: run the service or its workers, and talk to a running one. */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { inputConfig, serviceConfig, type ServeOptions } from '../api/config.js';
import { createService } from '../api/server.js';
import { localCaller } from '../access/caller.js';
import { FINAL_STATES, JOB_MODES } from '../jobs/types.js';
import type { Match } from '../match/search.js';
import { defaultDataDir } from '../data-dir.js';
import type { JobView } from '../views/native.js';
import { runPooledWorker, runWorker } from '../worker/process.js';
import { defaultCredentials, defaultServer, ServiceClient, ServiceError, type Credentials } from './client.js';
import { defaultDemoMedia, runServiceDemo } from './demo.js';
import { jobProgress } from './progress.js';
import { matchTable, table } from './table.js';
import { printTags, type VideoTagView } from './tags.js';
import { ANALYSERS } from '../tagging/types.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const out = (text: string): void => void process.stdout.write(`${text}\n`);

export function serveCommand(program: Command): Command {
  return program
    .command('serve')
    .description('run the DNA service: HTTP API, job workers and callbacks (on the embedded store, or VDNA_DATABASE_URL)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1, or $VDNA_HOST)')
    .option('--port <port>', 'port (default 8080, or $VDNA_PORT; 0 picks a free one)')
    .option('--workers <n>', 'worker processes, one job at a time each (default 1, or $VDNA_WORKERS; 0: API only)')
    .option('--no-workers', 'API only, no worker processes (the same as --workers 0; `vdna worker` runs jobs elsewhere)')
    .option('--allow-path <dir>', 'let jobs read local files under DIR (repeatable)', collect)
    .option('--allow-private-urls', 'let media URLs and callbacks reach loopback and private networks (never link-local or cloud metadata)')
    .option('--allow-url <cidr|host>', 'a private network (10.1.0.0/16) or host name (hooks.internal, *.corp.example) URLs may reach (repeatable)', collect)
    .option('--max-upload-mb <mb>', 'largest upload or download (default 2048)')
    .option('--redis <url>', 'Redis for stream callbacks, e.g. redis://127.0.0.1:6379')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// inputs (credentials from $VDNA_S3_ACCESS_KEY_ID/..._SECRET_ACCESS_KEY)')
    .option('--callback-secret <secret>', 'HMAC key of callback signatures (default: made once, kept in the data directory)')
    .option('--public-url <url>', 'base URL handed out in results and events')
    .option('--log-level <level>', 'fatal, error, warn, info, debug (default info)')
    .option('--rate-limit <n>', 'requests per second per key, unless the key has its own (default 50, or $VDNA_RATE_LIMIT; 0: none)')
    .option('--allowed-host <name>', 'a host name clients may use (Host and Origin headers; repeatable; loopback names always)', collect)
    .option('--tencent-bucket <name>', 'the Tencent door reads Input.Object keys from this bucket of the S3 endpoint (or $VDNA_TENCENT_BUCKET)')
    .option('--no-auth', 'no keys needed: every caller is the operator (only on a loopback address)')
    .option('--demo [dir]', 'once listening, run the demo through the API (clips from DIR, default ../shared/media/video)')
    .action(async (opts: ServeOptions & { demo?: string | boolean }, cmd: Command) => {
      const dataDir = cmd.optsWithGlobals<{ data?: string }>().data ?? defaultDataDir();
      // The demo's own output reads better without request logs; --log-level still wins.
      const service = await createService(serviceConfig(dataDir, { logLevel: opts.demo ? 'warn' : undefined, ...opts }));
      const url = await service.start();
      process.stderr.write(`vdna serving ${url} (API docs ${url}/docs, data ${dataDir})\n`);
      const first = service.firstKey;
      if (first) {
        process.stderr.write(
          `vdna: first start: a root admin key of account "${first.account}" was made. It is shown this once; keep it:\n` +
            `  VDNA_API_KEY=${first.token}\n  AccessKeyId=${first.id} AccessKeySecret=${first.secret}\n` +
            '  (more keys: vdna keys create --account NAME --admin | --policy FILE)\n',
        );
      }
      if (opts.demo) {
        // The demo is a client like any other: it gets a key of its own, revoked when it is done.
        const { access } = service.services;
        const key = first ?? (await access.createKey(localCaller(), { account: 'default', admin: true, description: 'vdna serve --demo' }));
        await serveDemo(url, typeof opts.demo === 'string' ? opts.demo : defaultDemoMedia(), { token: key.token });
        if (!first) await access.revokeKey(localCaller(), key.id);
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void service.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

/** `vdna worker`: runs jobs of the data directory beside a server (which also runs its own, see serve --workers). */
export function workerCommand(program: Command): Command {
  return program
    .command('worker')
    .description('run queued jobs of the data directory, without an API (a server starts its own workers: serve --workers)')
    .option('--concurrency <n>', 'jobs run at once (default 1)')
    .option('--allow-path <dir>', 'let jobs read local files under DIR (repeatable)', collect)
    .option('--allow-url <cidr|host>', 'a private network or host name media URLs may reach (repeatable)', collect)
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// inputs')
    .addOption(new Option('--pooled', 'started by a server: settings come over IPC').hideHelp())
    .action(async (opts: ServeOptions & { concurrency?: string; pooled?: boolean }, cmd: Command) => {
      if (opts.pooled) return runPooledWorker();
      const dataDir = cmd.optsWithGlobals<{ data?: string }>().data ?? defaultDataDir();
      const cfg = serviceConfig(dataDir, opts);
      const concurrency = Math.max(1, Number(opts.concurrency ?? 1) || 1);
      const of = process.env.VDNA_DATABASE_URL ? 'the PostgreSQL database (VDNA_DATABASE_URL)' : dataDir;
      process.stderr.write(`vdna worker running jobs of ${of} (${concurrency} at a time; Ctrl-C stops it)\n`);
      await runWorker({ dataDir, inputs: inputConfig(cfg), concurrency, leaseMs: cfg.leaseMs, graceMs: cfg.graceMs, reap: true });
    });
}

/** The demo through the API of the server just started; the server keeps running afterwards. */
async function serveDemo(url: string, mediaDir: string, credentials: Credentials): Promise<void> {
  const client = new ServiceClient(url, credentials);
  try {
    const job = await runServiceDemo(client, mediaDir, (s) => process.stdout.write(s), (id) => watch(client, id, 200));
    await printResult(client, job, false);
    out(`Expected: openboard_wannaworktogether, query 8-38 s <-> library 60-90 s.\nResult document: ${job.ResultUrl ?? `${url}/v1/jobs/${job.JobId}/result`}`);
  } catch (err) {
    process.stderr.write(`vdna: demo failed: ${(err as Error).message}\n`);
  }
  out(
    `The server keeps running (Ctrl-C stops it). Try: ${url}/ (the dashboard; sign in with a key) | ${url}/docs | VDNA_SERVER=${url} VDNA_API_KEY=<your key> npx vdna jobs list | npx vdna jobs submit demo FILE --wait\n` +
      'A key for yourself: npx vdna keys create --account default --admin',
  );
}

function printJobs(jobs: JobView[]): void {
  const rows = jobs.map((j) => [j.JobId, j.State, Number(j.Progress.toFixed(1)), j.Kind, j.Mode, j.Library ?? '', j.PrimaryKey ?? '', j.Code ?? '', j.CreateTime]);
  out(table(['job', 'state', 'progress', 'kind', 'mode', 'library', 'key', 'code', 'created'], rows));
}

/** Polls a job until it ends, with a progress bar on a terminal. */
async function watch(client: ServiceClient, id: string, intervalMs = 500): Promise<JobView> {
  const bar = jobProgress(`job ${id.slice(0, 8)}`);
  try {
    for (;;) {
      const job = await client.job(id);
      if (FINAL_STATES.includes(job.State)) return job;
      if (job.State === 'Running') bar.update(job.Progress, 100);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    bar.stop();
  }
}

async function printResult(client: ServiceClient, job: JobView, json: boolean): Promise<void> {
  const result = await client.request<{ Matches?: Match[]; Saved?: boolean; Deleted?: boolean } & Partial<VideoTagView>>('GET', `/v1/jobs/${job.JobId}/result`);
  if (json) return out(JSON.stringify(result));
  if (job.State !== 'Success') throw new ServiceError(job.Code ?? 'FAILED', `job ${job.JobId} ${job.State}: ${job.Message ?? ''}`);
  out(`job ${job.JobId}: ${job.Message ?? job.State}`);
  if (job.Kind === 'tag') printTags(result as VideoTagView);
  if (result.Matches && job.Mode !== 'onlysave' && job.Mode !== 'delete') out(matchTable(result.Matches));
}

export function jobsCommand(program: Command): Command {
  const jobs = program
    .command('jobs')
    .description('submit, watch and fetch jobs of a running vdna server')
    .addOption(new Option('--server <url>', 'the server (default $VDNA_SERVER or http://127.0.0.1:8080)'))
    .addOption(new Option('--key <token>', 'API key (default $VDNA_API_KEY; or sign with $VDNA_ACCESS_KEY_ID and $VDNA_ACCESS_KEY_SECRET)'));
  const client = (cmd: Command) => {
    const o = cmd.optsWithGlobals<{ server?: string; key?: string }>();
    return new ServiceClient(o.server ?? defaultServer(), defaultCredentials(o.key));
  };

  /** The options every submission takes, and the submission itself: upload or name MEDIA, then maybe watch. */
  const submission = (command: Command) =>
    command
      .option('--priority <n>', '0 (low) to 2 (high)')
      .option('--user-data <text>', 'passed through to the result and the callback (at most 1 KiB)')
      .option('--queue <name>', 'queue (default: "default")')
      .option('--callback <url>', 'POST the completion event to URL')
      .addOption(new Option('--callback-format <format>', 'event format').choices(['json', 'xml']).default('json'))
      .option('--redis-stream <name>', 'add the completion event to this Redis stream instead')
      .option('--server-path', 'MEDIA is a path on the server (under one of its --allow-path roots)')
      .option('--wait', 'watch the job and print its result')
      .option('--json', 'print JSON');
  async function submit(cmd: Command, fields: Record<string, string | undefined>, media: string | undefined, opts: Record<string, string | boolean | undefined>) {
    const c = client(cmd);
    const callback = opts.redisStream
      ? { Type: 'Redis', Stream: opts.redisStream }
      : opts.callback && { Type: 'HTTP', Url: opts.callback, Format: opts.callbackFormat };
    const common = {
      Priority: opts.priority as string | undefined,
      UserData: opts.userData as string | undefined,
      Queue: opts.queue as string | undefined,
      Callback: callback ? JSON.stringify(callback) : undefined,
    };
    let source: { file?: string; input?: { Type: string; Source: string } } | undefined;
    if (media === undefined) source = undefined;
    else if (/^https?:\/\//i.test(media)) source = { input: { Type: 'URL', Source: media } };
    else if (media.startsWith('s3://')) source = { input: { Type: 'S3', Source: media } };
    else if (opts.serverPath) source = { input: { Type: 'Path', Source: media } };
    else if (existsSync(media)) source = { file: media };
    else throw new ServiceError('FILE_NOT_FOUND', `no such file: ${media}`);
    let job = await c.submit({ ...fields, ...common }, source);
    if (!opts.wait) return out(opts.json ? JSON.stringify(job) : job.JobId);
    job = await watch(c, job.JobId);
    await printResult(c, job, Boolean(opts.json));
  }

  submission(
    jobs
      .command('submit')
      .description('submit a job on MEDIA: a local file (uploaded), an http(s):// URL, an s3:// object, or with --server-path a path on the server')
      .argument('<library>')
      .argument('[media]', 'not needed for --mode delete')
      .addOption(new Option('--mode <mode>', 'what the job does').choices([...JOB_MODES]).default('nosave'))
      .option('--key <key>', 'primary key of the item (required to save or delete)'),
  ).action(async (library: string, media: string | undefined, opts: Record<string, string | boolean | undefined>, cmd: Command) =>
    submit(cmd, { Library: library, Mode: opts.mode as string, PrimaryKey: opts.key as string | undefined }, media, opts),
  );

  submission(
    jobs
      .command('tag')
      .description('submit a smart-tagging job on MEDIA (a local file, a URL, an s3:// object, or --server-path): faces, text on screen, speech, objects')
      .argument('<media>')
      .option('--types <list>', `analysers, comma-separated: ${ANALYSERS.join(',')} (default: all)`)
      .option('--library <name>', 'a text library: the text read and heard is searched there as text DNA (and stored, by --mode)')
      .addOption(new Option('--mode <mode>', 'with --library: what the job does with the text').choices(['nosave', 'save', 'forcesave', 'onlysave']).default('nosave'))
      .option('--key <key>', 'primary key the text is stored under (with --library and a saving mode)'),
  ).action(async (media: string, opts: Record<string, string | boolean | undefined>, cmd: Command) =>
    submit(cmd, { Kind: 'tag', Types: opts.types as string | undefined, Library: opts.library as string | undefined, Mode: opts.mode as string, PrimaryKey: opts.key as string | undefined }, media, opts),
  );

  jobs
    .command('get')
    .description('state and progress of up to 10 jobs')
    .argument('<ids...>')
    .option('--json', 'print JSON')
    .action(async (ids: string[], opts: { json?: boolean }, cmd: Command) => {
      const res = await client(cmd).request<{ Jobs: JobView[]; NonExistJobIds: string[] }>('GET', `/v1/jobs?JobIds=${ids.map(encodeURIComponent).join(',')}`);
      if (opts.json) return out(JSON.stringify(res));
      printJobs(res.Jobs);
      if (res.NonExistJobIds.length) out(`unknown: ${res.NonExistJobIds.join(', ')}`);
    });

  jobs
    .command('watch')
    .description('follow a job with a progress bar until it ends, then print its result')
    .argument('<id>')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const c = client(cmd);
      await printResult(c, await watch(c, id), Boolean(opts.json));
    });

  jobs
    .command('result')
    .description("an ended job's result document")
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const c = client(cmd);
      const job = await c.job(id);
      if (!FINAL_STATES.includes(job.State)) throw new ServiceError('RESULT_NOT_READY', `job ${id} is ${job.State}`);
      await printResult(c, job, Boolean(opts.json));
    });

  jobs
    .command('list')
    .description('jobs, newest first')
    .option('--state <states>', 'comma-separated: Queued,Running,Success,Failed,Paused,Cancelled')
    .option('--library <name>')
    .option('--queue <name>')
    .option('--limit <n>', 'jobs per page', '20')
    .option('--cursor <cursor>', 'the next page, from the previous listing')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const q = new URLSearchParams();
      for (const [flag, param] of [['state', 'State'], ['library', 'Library'], ['queue', 'Queue'], ['limit', 'Limit'], ['cursor', 'Cursor']]) {
        if (typeof opts[flag] === 'string') q.set(param, opts[flag] as string);
      }
      const res = await client(cmd).request<{ Jobs: JobView[]; NextCursor?: string }>('GET', `/v1/jobs?${q}`);
      if (opts.json) return out(JSON.stringify(res));
      printJobs(res.Jobs);
      if (res.NextCursor) out(`more: --cursor ${res.NextCursor}`);
    });

  jobs
    .command('cancel')
    .description('cancel a queued, paused or running job')
    .argument('<id>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const job = await client(cmd).request<JobView>('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
      out(`job ${job.JobId}: ${job.State}`);
    });

  jobs
    .command('dead-letters')
    .description('callback deliveries that failed every attempt, newest first')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const res = await client(cmd).request<{ Deliveries: Array<{ Id: number; JobId: string; Target: { Url?: string; Stream?: string }; Attempts: number; Log: Array<{ Time: string; Error?: string }> }> }>('GET', '/v1/deliveries/failed?Limit=100');
      if (opts.json) return out(JSON.stringify(res));
      const rows = res.Deliveries.map((d) => [d.Id, d.JobId, d.Target.Url ?? d.Target.Stream ?? '', d.Attempts, d.Log.at(-1)?.Time ?? '', d.Log.at(-1)?.Error ?? '']);
      out(table(['delivery', 'job', 'target', 'attempts', 'last', 'error'], rows));
    });

  jobs
    .command('replay')
    .description('send a failed callback delivery again')
    .argument('<delivery>')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const d = await client(cmd).request<{ Id: number; State: string }>('POST', `/v1/deliveries/${encodeURIComponent(id)}/replay`);
      out(`delivery ${d.Id}: ${d.State}`);
    });

  for (const action of ['pause', 'resume'] as const) {
    jobs
      .command(action)
      .description(`${action} a queue (default: "default")`)
      .argument('[queue]', 'queue name', 'default')
      .action(async (queue: string, _opts: unknown, cmd: Command) => {
        const q = await client(cmd).request<{ Name: string; Paused: boolean }>('POST', `/v1/queues/${encodeURIComponent(queue)}/${action}`);
        out(`queue ${q.Name}: ${q.Paused ? 'paused' : 'running'}`);
      });
  }
  return jobs;
}
