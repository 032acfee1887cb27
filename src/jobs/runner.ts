/** Runs queued jobs, a configurable number at a time, and ends each in one durable transaction. */
import { VdnaError } from '../errors.js';
import type { Match } from '../match/search.js';
import type { Vdna } from '../vdna.js';
import type { CallbackDispatcher } from '../notify/callbacks.js';
import { stageInput, unstage, type InputConfig } from './inputs.js';
import type { Completion, JobStore } from './job-store.js';
import type { Job } from './types.js';

/** The result document of a job, served at /v1/jobs/{id}/result and carried by its event. */
export interface JobResult {
  JobId: string;
  Library: string;
  Mode: Job['Mode'];
  PrimaryKey?: string;
  UserData?: string;
  /** Whether the media was stored in the library by this job. */
  Saved: boolean;
  /** Delete jobs: whether the key existed and was removed. */
  Deleted?: boolean;
  /** Seconds of media fingerprinted. */
  MediaDuration?: number;
  Matches: Match[];
}

export interface RunnerHooks {
  onJobEnd?: (job: Job, seconds: number) => void;
}

/** Whether a job ends because the server is shutting down (it runs again on restart) or a user cancelled it. */
type StopReason = 'shutdown' | 'cancel';

const PROGRESS_INTERVAL_MS = 500;
const POLL_MS = 1000;
/** A job the server died during this many times is failed rather than tried again. */
export const MAX_JOB_ATTEMPTS = 3;

export class JobRunner {
  private readonly active = new Map<string, AbortController>();
  private readonly running = new Set<Promise<void>>();
  private stopping = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly vdna: Vdna,
    private readonly jobs: JobStore,
    private readonly inputs: InputConfig,
    private readonly dispatcher: CallbackDispatcher,
    public concurrency: number,
    private readonly hooks: RunnerHooks = {},
  ) {}

  /** Takes up jobs left Running by a crash, then starts working the queue. */
  start(): { requeued: number; failed: number } {
    const recovered = this.jobs.recover(MAX_JOB_ATTEMPTS);
    this.stopping = false;
    this.timer = setInterval(() => this.pump(), POLL_MS);
    this.timer.unref();
    this.pump();
    return recovered;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Starts queued jobs while there is a free worker. */
  pump(): void {
    while (!this.stopping && this.active.size < this.concurrency) {
      const job = this.jobs.claim();
      if (!job) return;
      const controller = new AbortController();
      this.active.set(job.JobId, controller);
      const run = this.run(job, controller.signal).finally(() => {
        this.active.delete(job.JobId);
        this.running.delete(run);
        this.dispatcher.kick();
        this.pump();
      });
      this.running.add(run);
    }
  }

  /** Asks a running job to stop; it ends Cancelled. */
  cancelRunning(id: string): boolean {
    const controller = this.active.get(id);
    if (!controller) return false;
    controller.abort('cancel' satisfies StopReason);
    return true;
  }

  /** Stops taking jobs and interrupts the running ones, which go back to the queue. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    for (const controller of this.active.values()) controller.abort('shutdown' satisfies StopReason);
    await Promise.allSettled([...this.running]);
    this.jobs.recover(Number.MAX_SAFE_INTEGER);
  }

  private async run(job: Job, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let lastProgress = 0;
    const progress = (fraction: number) => {
      const now = Date.now();
      if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      this.jobs.setProgress(job.JobId, Math.round(Math.min(99, fraction * 100) * 10) / 10);
    };
    let ended: Job | undefined;
    try {
      const { done, commit } = await this.execute(job, signal, progress);
      try {
        ended = this.jobs.complete(job.JobId, done, commit);
      } catch (err) {
        // The transaction rolled back after `commit` had updated the in-memory index.
        if (commit) this.vdna.forgetIndex(job.Library);
        throw err;
      }
    } catch (err) {
      // Interrupted by shutdown: stop() puts it back in the queue.
      if (signal.aborted && signal.reason === ('shutdown' satisfies StopReason)) return;
      const cancelled = signal.aborted;
      const e = err instanceof VdnaError ? err : undefined;
      ended = this.jobs.complete(job.JobId, {
        state: cancelled ? 'Cancelled' : 'Failed',
        code: cancelled ? 'CANCELLED' : (e?.code ?? 'INTERNAL_ERROR'),
        message: cancelled ? 'cancelled while running' : (e?.message ?? `unexpected error: ${(err as Error).message ?? String(err)}`),
        result: null,
      });
    } finally {
      if (!this.stopping || ended) await unstage(this.inputs, job.JobId, job.Input);
      if (ended) this.hooks.onJobEnd?.(ended, (Date.now() - started) / 1000);
    }
  }

  private async execute(
    job: Job,
    signal: AbortSignal,
    progress: (fraction: number) => void,
  ): Promise<{ done: Completion; commit?: () => void }> {
    const base = {
      JobId: job.JobId,
      Library: job.Library,
      Mode: job.Mode,
      ...(job.PrimaryKey !== undefined && { PrimaryKey: job.PrimaryKey }),
      ...(job.UserData !== undefined && { UserData: job.UserData }),
    };
    const library = this.vdna.library(job.Library);
    const key = job.PrimaryKey;

    if (job.Mode === 'delete') {
      const exists = this.vdna.store.hasItem(library.name, key!);
      const result: JobResult = { ...base, Saved: false, Deleted: exists, Matches: [] };
      return {
        done: { state: 'Success', code: 'OK', message: exists ? 'deleted' : 'no such key; nothing to delete', result },
        commit: () => void this.vdna.removeMany(library.name, [key!]),
      };
    }

    const storing = job.Mode !== 'nosave';
    if (storing && this.vdna.store.hasItem(library.name, key!)) {
      throw new VdnaError('DUPLICATE_KEY', `key "${key}" already exists in library "${library.name}"`);
    }
    const path = await stageInput(this.inputs, job.JobId, job.Input!, signal);
    signal.throwIfAborted();
    progress(0.05);
    const fp = await this.vdna.fingerprint(path, {
      forSearch: job.Mode !== 'onlysave',
      mediaType: library.mediaType,
      signal,
      onProgress: (seconds, total) => total > 0 && progress(0.05 + (0.9 * seconds) / total),
    });
    signal.throwIfAborted();
    const matches = job.Mode === 'onlysave' ? [] : this.vdna.searchFingerprint(library.name, fp);
    const save = job.Mode === 'onlysave' || job.Mode === 'forcesave' || (job.Mode === 'save' && matches.length === 0);
    const item = save ? this.vdna.itemOf(key!, `${job.Input!.Type.toLowerCase()}:${job.Input!.Source}`, fp) : undefined;
    const result: JobResult = { ...base, Saved: save, MediaDuration: fp.duration, Matches: matches };
    const message = save ? 'stored' : job.Mode === 'save' ? 'not stored: the media duplicates library content' : 'searched';
    return {
      done: { state: 'Success', code: 'OK', message, result },
      commit: item && (() => void this.vdna.put(library.name, item)),
    };
  }
}
