/**
 * A worker process: its own connection to the stores, its own library indexes, one JobRunner taking
 * jobs under leases. Started by a server's WorkerPool (settings over IPC); every core of a machine can
 * run one, and a worker that dies takes only its own jobs down (they go back to the queue).
 */
import type { JobQueue } from '../jobs/queue.js';
import { JobRunner, MAX_JOB_ATTEMPTS } from '../jobs/runner.js';
import { localSettings, openServices } from '../services/index.js';
import { FileBlobs } from '../store/blobs/files.js';
import { useSpawnHost } from '../media/spawn-host.js';
import { RESULT_RENDERINGS } from '../views/native.js';
import { jobKinds } from './job-kinds.js';
import type { FromWorker, ToWorker, WorkerConfig } from './messages.js';
import { reapEvery } from './pool.js';

/** To the server over IPC; a standalone worker (none) says its errors on stderr. */
function send(message: FromWorker): void {
  if (process.send) process.send(message);
  else if (message.type === 'error') process.stderr.write(`vdna worker: ${message.message}\n`);
}

/** Runs jobs until told to stop (IPC 'stop', SIGTERM or SIGINT); resolves once running jobs finished or went back. */
export async function runWorker(config: WorkerConfig): Promise<void> {
  // Decoders start through a small host process: forking this one grows costly as its indexes grow.
  useSpawnHost();
  // The doors' renderings kept with each result: the same the servers hand out URLs of.
  const services = await openServices(config.dataDir, { ...localSettings(config.dataDir), inputs: config.inputs, renderings: RESULT_RENDERINGS });
  // A worker of a server takes no job once that server died (it then has another parent), even before
  // the lost channel's 'disconnect' is handled: under load that came late enough for the orphan to take
  // back a job the next server had just re-queued, which then ran a third time.
  const parent = process.ppid;
  const mayTake = () => !process.send || process.ppid === parent;
  const runner = new JobRunner(
    services.stores.jobs,
    jobKinds(services),
    services.inputs,
    services.results,
    { concurrency: config.concurrency, leaseMs: config.leaseMs, graceMs: config.graceMs, mayTake },
    {
      onJobEnd: (job, seconds) => send({ type: 'ended', job, seconds }),
      onError: (err) => send({ type: 'error', message: (err as Error).message ?? String(err) }),
    },
  );
  runner.start();
  send({ type: 'ready', worker: runner.worker });
  // A standalone worker on a shared database writes results and thumbnails to its own data directory:
  // the API servers read them only if it is theirs too (the same machine, a shared mount).
  if (!process.send && services.stores.shared && services.stores.blobs instanceof FileBlobs) {
    process.stderr.write(
      `vdna worker: jobs' results and face thumbnails are kept in ${services.stores.blobs.where}; API servers on other machines cannot read them unless that is their data directory too (a shared mount): set VDNA_S3_BUCKET to keep them in object storage\n`,
    );
  }
  const reaper = config.reap ? setInterval(() => void reap(services.stores.jobs, () => runner.kick()), reapEvery(config.leaseMs)) : undefined;
  // The runner's poll timer does not hold the process open; a worker without a server (no IPC) would exit.
  const alive = setInterval(() => undefined, 1 << 30);
  // Told to stop, jobs get their grace period; orphaned (the server died), they go back at once.
  const graceMs = await new Promise<number>((resolve) => {
    const stop = (orphaned = false) => {
      process.off('SIGTERM', graceful);
      process.off('SIGINT', graceful);
      process.off('message', onMessage);
      process.off('disconnect', orphan);
      resolve(orphaned ? 0 : config.graceMs);
    };
    const graceful = () => stop();
    const orphan = () => stop(true);
    const onMessage = (message: ToWorker) => {
      if (message.type === 'kick') runner.kick();
      if (message.type === 'stop') stop();
    };
    process.on('message', onMessage);
    process.on('SIGTERM', graceful);
    process.on('SIGINT', graceful);
    process.on('disconnect', orphan);
  });
  clearInterval(alive);
  clearInterval(reaper);
  await runner.stop(graceMs);
  await services.close();
}

/** Jobs whose lease ran out go back to the queue (their worker died or was cut off); said on stderr. */
async function reap(jobs: JobQueue, kick: () => void): Promise<void> {
  try {
    const recovered = await jobs.requeueRunning(MAX_JOB_ATTEMPTS, { expiredOnly: true });
    if (recovered.requeued || recovered.failed) {
      process.stderr.write(`vdna worker: jobs whose lease ran out: ${recovered.requeued} back in the queue, ${recovered.failed} failed\n`);
      if (recovered.requeued) kick();
    }
  } catch (err) {
    process.stderr.write(`vdna worker: could not look for expired leases: ${(err as Error).message}\n`);
  }
}

/** The child side of a WorkerPool: says hello, waits for its settings (kicks before them are moot), then works. */
export function runPooledWorker(): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ToWorker) => {
      if (message.type !== 'start') return;
      process.off('message', onMessage);
      runWorker(message.config).then(resolve, reject);
    };
    process.on('message', onMessage);
    send({ type: 'hello' });
  });
}
