/**
 * The client side of scripts/cluster-demo.sh, which starts the cluster (PostgreSQL, an S3-compatible
 * server, two API-only servers, three workers) and hands this program its addresses:
 *
 *   node dist/bench/cluster-demo.js --api URL --api URL --workers PID,PID,PID --media DIR
 *   (env: VDNA_ADMIN_KEY, VDNA_S3_ENDPOINT, VDNA_S3_ACCESS_KEY_ID, VDNA_S3_SECRET_ACCESS_KEY)
 *
 * It puts the clips in a bucket, then through both APIs in turn: saves them (s3:// inputs, an HTTP
 * callback each to a receiver of its own), SIGKILLs the worker decoding the long save, searches the
 * short clips saved (and one never saved) while the long one waits for its lease to run out and runs
 * again elsewhere, and checks that every job ended once (one
 * callback event each, no event id twice), that each search found its clip, and that the killed
 * worker's job ran again and succeeded. Prints a summary; exits 1 when a check fails.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { apiClient, childCommands, startReceiver, waitForJobs } from '../test/service-helpers.js';

const BUCKET = 'demo-media';
/** The long save (180 s) whose worker is killed mid-decode; the others are short. */
const LONG = 'openboard_wannaworktogether.mp4';
const SAVED = ['zwm_sintel_10s.mp4', 'zwm_caminandes_10s.mp4', 'zwm_tears_of_steel_10s.mp4', 'imageio_cockatoo.mp4', 'planetblupi_history2.mkv', 'pymecavideo_balle-jbart.mp4'];
/** Searched for, but never saved: a search that must find nothing. */
const UNRELATED = 'mdn_flower.webm';

function args(name: string): string[] {
  return process.argv.flatMap((a, i) => (a === `--${name}` ? [process.argv[i + 1]] : []));
}
const say = (text: string) => process.stdout.write(`${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function upload(mediaDir: string, names: string[]): Promise<void> {
  const s3 = new S3Client({
    endpoint: process.env.VDNA_S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.VDNA_S3_ACCESS_KEY_ID!, secretAccessKey: process.env.VDNA_S3_SECRET_ACCESS_KEY! },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const name of names) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: name, Body: readFileSync(join(mediaDir, name)) }));
  s3.destroy();
}

async function main(): Promise<number> {
  const apis = args('api').map((url) => ({ url, api: apiClient(url, process.env.VDNA_ADMIN_KEY!) }));
  const workerPids = args('workers').join(',').split(',').map(Number);
  const mediaDir = args('media')[0];
  if (apis.length < 2 || workerPids.length < 2 || !mediaDir) throw new Error('usage: --api URL --api URL --workers PID,PID[,…] --media DIR');
  const receiver = await startReceiver();
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => (ok ? undefined : failures.push(what));
  try {
    await upload(mediaDir, [LONG, ...SAVED, UNRELATED]);
    say(`uploaded ${SAVED.length + 2} clips to s3://${BUCKET}/ (${process.env.VDNA_S3_ENDPOINT})`);
    const server = (n: number) => apis[n % apis.length];
    check((await server(0).api('POST', '/v1/libraries', { Name: 'films' })).status < 300, 'the library could not be made');
    const callback = { Type: 'HTTP', Url: `${receiver.url}/events`, Format: 'json' };
    let n = 0;
    const submit = async (body: Record<string, unknown>) => {
      const via = server(n++);
      const r = await via.api('POST', '/v1/jobs', { Library: 'films', Callback: callback, ...body });
      if (r.status >= 300) throw new Error(`submit through ${via.url}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.JobId as string;
    };
    const input = (name: string) => ({ Type: 'S3', Source: `s3://${BUCKET}/${name}` });

    const long = await submit({ Mode: 'onlysave', PrimaryKey: basename(LONG), Input: input(LONG) });
    const saves = new Map<string, string>();
    for (const name of SAVED) saves.set(await submit({ Mode: 'onlysave', PrimaryKey: name, Input: input(name) }), name);
    say(`submitted ${saves.size + 1} saves through ${apis.map((a) => a.url).join(' and ')}`);

    // The worker decoding the long save: its ffmpeg reads the job's staged copy, named after the job.
    let victim: number | undefined;
    for (let tries = 0; victim === undefined && tries < 600; tries++) {
      const job = (await server(0).api('GET', `/v1/jobs/${long}`)).body;
      if (job.State === 'Running' && job.Progress >= 5) victim = workerPids.find((pid) => childCommands(pid).includes(long));
      if (job.State === 'Success') break;
      await sleep(100);
    }
    if (victim === undefined) throw new Error('never saw a worker decoding the long save');
    process.kill(victim, 'SIGKILL');
    say(`SIGKILLed worker ${victim} while it decoded ${LONG} (job ${long})`);
    await waitForJobs(server(1), [...saves.keys()], 200);

    // The short clips are in the library: search each (and a clip that is not) while the long save runs again.
    const searches = new Map<string, string | undefined>();
    for (const name of [...SAVED, UNRELATED]) searches.set(await submit({ Mode: 'nosave', Input: input(name) }), name === UNRELATED ? undefined : name);
    say(`submitted ${searches.size} searches`);

    const all = [long, ...saves.keys(), ...searches.keys()];
    const jobs = await waitForJobs(server(1), all, 500);
    await receiver.waitFor(all.length, 60_000).catch(() => undefined);
    await sleep(2000); // a second event for any job would have come by now

    const events = receiver.received.map((r) => ({ job: JSON.parse(r.body).JobId as string, id: String(r.headers['x-vdna-event-id']) }));
    const perJob = new Map<string, number>();
    for (const e of events) perJob.set(e.job, (perJob.get(e.job) ?? 0) + 1);
    const ended = jobs.filter((j) => j.State === 'Success').length;
    check(ended === all.length, `${all.length - ended} job(s) did not succeed: ${JSON.stringify(jobs.filter((j) => j.State !== 'Success'))}`);
    check(events.length === all.length && all.every((id) => perJob.get(id) === 1), `callback events per job: ${JSON.stringify(Object.fromEntries(perJob))}`);
    check(new Set(events.map((e) => e.id)).size === events.length, 'an event id came twice');
    const longJob = jobs.find((j) => j.JobId === long);
    check(longJob.Attempts === 2, `the killed worker's job ran ${longJob.Attempts} time(s), not 2`);
    check(jobs.filter((j) => j.JobId !== long).every((j) => j.Attempts === 1), 'a job other than the killed one ran twice');
    let found = 0;
    for (const [id, expect] of searches) {
      const keys = ((await server(0).api('GET', `/v1/jobs/${id}/result`)).body.Matches ?? []).map((m: { PrimaryKey: string }) => m.PrimaryKey);
      if (expect ? keys[0] === expect : keys.length === 0) found++;
    }
    check(found === searches.size, `${searches.size - found} search(es) found the wrong thing`);
    const items = (await server(1).api('GET', '/v1/libraries/films/items')).body.Items.length;
    check(items === SAVED.length + 1, `the library holds ${items} items, not ${SAVED.length + 1}`);

    say('\nsummary');
    say(`  jobs: ${all.length} (${saves.size + 1} saves, ${searches.size} searches) through ${apis.length} APIs, run by ${workerPids.length} workers; ${ended} succeeded`);
    say(`  callback events: ${events.length} for ${perJob.size} jobs, ${new Set(events.map((e) => e.id)).size} distinct event ids; most for one job: ${Math.max(...perJob.values())}`);
    say(`  killed worker's job ${long}: ${longJob.State} after ${longJob.Attempts} attempts`);
    say(`  searches that found their clip (or nothing, for the unrelated one): ${found}/${searches.size}; library items: ${items}`);
    say(failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'OK: every job ended exactly once, and the killed worker’s job was retried');
    return failures.length ? 1 : 0;
  } finally {
    await receiver.close();
  }
}

process.exitCode = await main().catch((err) => {
  process.stderr.write(`cluster demo: ${(err as Error).stack ?? err}\n`);
  return 1;
});
