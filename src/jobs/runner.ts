/**
 * Works the queue as one worker: fetches a job under a lease, looks its kind up in the registry, runs
 * it while a heartbeat renews the lease (and reports progress, and notices a cancel), and ends it
 * through the queue's verbs — complete with its effects, or fail — which refuse a worker that lost its
 * lease, so a job ends once. A job's result and its faces' thumbnails are blobs, kept just before it
 * completes (jobs/results.ts). Knows nothing of what a kind does. A server runs it inside worker
 * processes (jobs/worker-pool.ts); tests and the library API may run it in process.
 */
import { hostname } from 'node:os';
import { storageError, VdnaError } from '../errors.js';
import { StorageOutage, type LocalFile } from '../store/blobs.js';
import type { NewFace } from '../store/faces.js';
import { discardUpload, stageInput, type InputConfig } from './inputs.js';
import type { JobContext, JobKinds } from './kinds.js';
import type { JobQueue, Lease } from './queue.js';
import type { JobResults } from './results.js';
import { FINAL_STATES, type JobRecord } from './types.js';

export interface RunnerHooks {
  /** A job ended (its event is in the outbox). */
  onJobEnd?: (job: JobRecord, seconds: number) => void;
  /** The queue could not be read or written (a full disk, say); the runner retries on its timer. */
  onError?: (err: unknown) => void;
}

export interface RunnerOptions {
  /** Jobs run at once. */
  concurrency: number;
  /** This worker's name in leases (default: host and pid). */
  worker?: string;
  /** How long a lease lasts without renewal; a worker that stops renewing loses its jobs after it. */
  leaseMs?: number;
  /** How long stop() lets running jobs finish before it interrupts them (they go back to the queue). */
  graceMs?: number;
  /** Asked before each job is taken: false once this worker must take no more (its server died). */
  mayTake?: () => boolean;
}

/** Why a running job's work stops early: shutdown (it runs again later), cancel (it ends Cancelled), lost (another worker owns it now). */
type StopReason = 'shutdown' | 'cancel' | 'lost';

const HEARTBEAT_MS = 1000;
const POLL_MS = 1000;
export const DEFAULT_LEASE_MS = 60_000;
/** A job whose worker stopped during it this many times is failed rather than tried again. */
export const MAX_JOB_ATTEMPTS = 3;

/** A worker's name in leases: its host and process id. */
export const workerName = (pid = process.pid) => `${hostname()}:${pid}`;

export class JobRunner {
  private readonly active = new Map<string, AbortController>();
  private readonly running = new Set<Promise<void>>();
  private stopping = false;
  private pumping?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  readonly worker: string;
  readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly graceMs: number;
  private readonly mayTake: () => boolean;

  constructor(
    private readonly jobs: JobQueue,
    private readonly kinds: JobKinds,
    private readonly inputs: InputConfig,
    private readonly results: JobResults,
    options: RunnerOptions,
    private readonly hooks: RunnerHooks = {},
  ) {
    this.concurrency = options.concurrency;
    this.worker = options.worker ?? workerName();
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.graceMs = options.graceMs ?? 0;
    this.mayTake = options.mayTake ?? (() => true);
  }

  /** Starts working the queue (polling, and at once on each kick). */
  start(): void {
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Starts queued jobs while there is a free slot (one pass at a time). */
  kick(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err) => this.hooks.onError?.(err))
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopping && this.active.size < this.concurrency && this.mayTake()) {
      const job = await this.jobs.fetch(this.worker, this.leaseMs);
      if (!job) return;
      const controller = new AbortController();
      this.active.set(job.id, controller);
      const run = this.run(job, controller).finally(() => {
        this.active.delete(job.id);
        this.running.delete(run);
        this.kick();
      });
      this.running.add(run);
    }
  }

  /** Asks a job running here to stop; it ends Cancelled. */
  cancelRunning(id: string): boolean {
    const controller = this.active.get(id);
    if (!controller) return false;
    controller.abort('cancel' satisfies StopReason);
    return true;
  }

  /**
   * Stops taking jobs, lets the running ones finish within the grace period, then interrupts the rest,
   * which go back to the queue (this worker's attempt is not held against them).
   */
  async stop(graceMs = this.graceMs): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.pumping;
    const finished = Promise.allSettled([...this.running]);
    if (graceMs > 0 && this.running.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const controller of this.active.values()) controller.abort('shutdown' satisfies StopReason);
    await finished;
    await this.jobs.requeueRunning(Number.MAX_SAFE_INTEGER, { worker: this.worker });
  }

  /** Renews the lease every second until the job ends; aborts the work on a cancel or a lost lease. */
  private keepLease(lease: Lease, controller: AbortController, percent: () => number | undefined): () => void {
    const beat = async () => {
      try {
        const { held, cancelRequested } = await this.jobs.heartbeat(lease, this.leaseMs, percent());
        if (!held) controller.abort('lost' satisfies StopReason);
        else if (cancelRequested) controller.abort('cancel' satisfies StopReason);
      } catch (err) {
        this.hooks.onError?.(err);
      }
    };
    const timer = setInterval(() => void beat(), HEARTBEAT_MS);
    return () => clearInterval(timer);
  }

  private async run(job: JobRecord, controller: AbortController): Promise<void> {
    const started = Date.now();
    const signal = controller.signal;
    const lease: Lease = { id: job.id, worker: this.worker };
    let percent: number | undefined;
    /** Where the media was staged: never shown to clients, who know it by the name they gave. */
    let staged: LocalFile | undefined;
    const ctx: JobContext = {
      signal,
      progress: (fraction) => (percent = Math.round(Math.min(99, fraction * 100) * 10) / 10),
      stage: async () => {
        if (!job.input) throw new VdnaError('INVALID_ARGUMENT', 'this job has no media');
        staged = await stageInput(this.inputs, job, job.input, signal);
        return staged.path;
      },
    };
    const release = this.keepLease(lease, controller, () => {
      const p = percent;
      percent = undefined;
      return p;
    });
    let ended: JobRecord | undefined;
    /** The faces of a result this run began to keep as blobs (set before the first put). */
    let kept: NewFace[] | undefined;
    try {
      const kind = this.kinds.get(job.kind);
      if (!kind) throw new VdnaError('INVALID_ARGUMENT', `no job kind "${job.kind}" is installed in this server`);
      const outcome = await kind.run(job, ctx);
      signal.throwIfAborted();
      // The result and thumbnails first, then the commit: a job that completed has them. Killed in
      // between, the job runs again and writes the same keys again.
      kept = outcome.effects?.faces ?? [];
      await this.results.keep(job, outcome.result, kept);
      ended = await this.jobs.complete(lease, { code: 'OK', message: outcome.message }, outcome.effects);
    } catch (err) {
      // Interrupted by shutdown (stop() puts it back in the queue), or no longer ours to end.
      if (signal.aborted && (signal.reason === ('shutdown' satisfies StopReason) || signal.reason === ('lost' satisfies StopReason))) return;
      // Object storage is down: the job is left to its lease, and goes back to the queue when it runs
      // out (its upload kept), unless this was its last try.
      if (err instanceof StorageOutage && !signal.aborted && job.attempts < MAX_JOB_ATTEMPTS) {
        this.hooks.onError?.(err);
        return;
      }
      const cancelled = signal.aborted;
      const e = err instanceof VdnaError ? err : storageError(err);
      const shown = (message: string) => (staged && job.input ? message.split(staged.path).join(job.input.source) : message);
      ended = await this.jobs
        .fail(
          lease,
          {
            code: cancelled ? 'CANCELLED' : (e?.code ?? 'INTERNAL_ERROR'),
            message: cancelled ? 'cancelled while running' : shown(e?.message ?? `unexpected error: ${(err as Error).message ?? String(err)}`),
          },
          cancelled ? 'Cancelled' : 'Failed',
        )
        .catch((failErr) => {
          this.hooks.onError?.(failErr);
          return undefined;
        });
    } finally {
      release();
      await staged?.release();
      if (kept && ended?.state !== 'Success') await this.dropKept(job, kept, ended).catch((err) => this.hooks.onError?.(err));
      // An ended job's upload goes; one that runs again keeps it. Object storage down, it stays until
      // the server's sweep of ended jobs' uploads.
      if (ended) await discardUpload(this.inputs, job.id, job.input).catch((err) => this.hooks.onError?.(err));
      if (ended) this.hooks.onJobEnd?.(ended, (Date.now() - started) / 1000);
    }
  }

  /**
   * What this run kept of a result it could not complete goes, once the job ended otherwise (failed,
   * cancelled). A job still running (another worker has it) or back in the queue writes the same keys
   * again when it completes; one that another run completed keeps them.
   */
  private async dropKept(job: JobRecord, faces: NewFace[], ended?: JobRecord): Promise<void> {
    const state = ended?.state ?? (await this.jobs.byId(job.id))?.state;
    if (state && state !== 'Success' && FINAL_STATES.includes(state)) await this.results.discard(job, faces);
  }
}
