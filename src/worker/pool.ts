/**
 * A server's worker processes: forks them, tells them when a job is queued, hears when one ends, and
 * replaces one that dies — its jobs go back to the queue at once (or fail, once tried too often)
 * instead of waiting for their leases to run out. Processes coordinate only through the store.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';
import type { JobQueue } from '../jobs/queue.js';
import { DEFAULT_LEASE_MS, MAX_JOB_ATTEMPTS, workerName } from '../jobs/runner.js';
import type { JobRecord } from '../jobs/types.js';
import type { FromWorker, ToWorker, WorkerConfig } from './messages.js';

export interface WorkerPoolOptions {
  /** Worker processes (0: this server runs no jobs). */
  count: number;
  config: WorkerConfig;
  /** The executable that runs a pooled worker (`vdna worker --pooled`). */
  entry: string;
  args: string[];
  /** V8 heap limit of each worker, in MB: an out-of-memory job kills its worker, not the server. */
  memoryMb: number;
  onJobEnd(job: JobRecord, seconds: number): void;
  onEvent(level: 'info' | 'warn' | 'error', message: string, detail?: object): void;
}

/**
 * Workers (and the decoders they start, which inherit it) run at a lower CPU priority than the server:
 * with every core busy decoding, the API still answers at once.
 */
const WORKER_NICENESS = 10;
/** Leases that ran out (a hung or cut-off worker) are looked for this often (or once a lease, if shorter). */
const REAP_MS = 10_000;
export const reapEvery = (leaseMs = DEFAULT_LEASE_MS) => Math.min(REAP_MS, leaseMs);
const MAX_RESPAWN_DELAY_MS = 30_000;

/** Decoder threads for each of `workers` processes: the cores shared out, 0 (ffmpeg decides) for a lone worker. */
export const decoderShare = (workers: number, cores = availableParallelism()) => (workers <= 1 ? 0 : Math.max(1, Math.floor(cores / workers)));

interface Slot {
  child?: ChildProcess;
  /** Consecutive quick deaths, for the back-off before the next start. */
  crashes: number;
}

export class WorkerPool {
  private readonly slots: Slot[];
  private stopping = false;
  private reaper?: NodeJS.Timeout;

  constructor(
    private readonly jobs: JobQueue,
    private readonly options: WorkerPoolOptions,
  ) {
    this.slots = Array.from({ length: options.count }, () => ({ crashes: 0 }));
  }

  get size(): number {
    return this.slots.length;
  }

  start(): void {
    this.stopping = false;
    this.slots.forEach((slot) => this.spawn(slot));
    this.reaper = setInterval(() => void this.reap(), reapEvery(this.options.config.leaseMs));
    this.reaper.unref();
  }

  /** A job was queued (or a queue resumed): idle workers look now rather than at their next poll. */
  kick(): void {
    for (const { child } of this.slots) this.tell(child, { type: 'kick' });
  }

  /** Asks every worker to stop (running jobs finish within the grace period, or go back) and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.reaper);
    const exits = this.slots.map(({ child }) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.tell(child, { type: 'stop' });
      // A worker that does not stop within its grace period (and then some) is killed; its jobs go back.
      const killer = setTimeout(() => child.kill('SIGKILL'), this.options.config.graceMs + 15_000);
      return exited.finally(() => clearTimeout(killer));
    });
    await Promise.all(exits);
  }

  private tell(child: ChildProcess | undefined, message: ToWorker): void {
    if (child?.connected) child.send(message, () => undefined);
  }

  private spawn(slot: Slot): void {
    const started = Date.now();
    const child = fork(this.options.entry, this.options.args, {
      execArgv: [...process.execArgv.filter((a) => !a.startsWith('--max-old-space-size')), `--max-old-space-size=${this.options.memoryMb}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, VDNA_DECODER_THREADS: process.env.VDNA_DECODER_THREADS ?? String(decoderShare(this.slots.length)) },
    });
    slot.child = child;
    try {
      if (child.pid !== undefined) setPriority(child.pid, WORKER_NICENESS);
    } catch (err) {
      this.options.onEvent('warn', 'could not lower a worker process priority', { error: (err as Error).message });
    }
    child.on('message', (message: FromWorker) => {
      if (message.type === 'hello') this.tell(child, { type: 'start', config: this.options.config });
      else if (message.type === 'ended') this.options.onJobEnd(message.job, message.seconds);
      else if (message.type === 'error') this.options.onEvent('error', 'a worker could not reach the job store; it retries', { worker: child.pid, error: message.message });
    });
    child.on('error', (err) => this.options.onEvent('error', 'a worker process failed', { error: err.message }));
    child.once('exit', (code, signal) => {
      slot.child = undefined;
      // Its jobs are known to be orphaned now: back to the queue (or failed, once tried too often).
      void this.jobs
        .requeueRunning(MAX_JOB_ATTEMPTS, { worker: workerName(child.pid) })
        .then((recovered) => {
          if (recovered.requeued || recovered.failed) this.options.onEvent('warn', 'jobs of a stopped worker went back to the queue', { worker: child.pid, ...recovered });
          if (recovered.requeued) this.kick();
        })
        .catch((err) => this.options.onEvent('error', 'could not recover the jobs of a stopped worker', { error: (err as Error).message }));
      if (this.stopping) return;
      this.options.onEvent('error', 'a worker process died; starting another', { worker: child.pid, code, signal });
      slot.crashes = Date.now() - started < 10_000 ? slot.crashes + 1 : 0;
      const delay = Math.min(MAX_RESPAWN_DELAY_MS, slot.crashes ? 500 * 2 ** slot.crashes : 0);
      setTimeout(() => !this.stopping && this.spawn(slot), delay).unref();
    });
  }

  /** Jobs whose lease ran out go back to the queue: their worker stopped renewing without dying here. */
  private async reap(): Promise<void> {
    try {
      const recovered = await this.jobs.requeueRunning(MAX_JOB_ATTEMPTS, { expiredOnly: true });
      if (recovered.requeued || recovered.failed) {
        this.options.onEvent('warn', 'jobs whose lease ran out went back to the queue', recovered);
        this.kick();
      }
    } catch (err) {
      this.options.onEvent('error', 'could not look for expired leases', { error: (err as Error).message });
    }
  }
}
