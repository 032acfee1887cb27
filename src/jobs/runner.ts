/**
 * Runs queued jobs, a configurable number at a time: fetches one, looks its kind up in the registry,
 * runs it, and ends it through the queue's verbs (complete with its effects, or fail) in one durable
 * transaction. Knows nothing of what a kind does.
 */
import { VdnaError } from '../errors.js';
import { stageInput, unstage, type InputConfig } from './inputs.js';
import type { JobContext, JobKinds } from './kinds.js';
import type { JobQueue } from './queue.js';
import type { JobRecord } from './types.js';

export interface RunnerHooks {
  /** A job ended (its event is in the outbox). */
  onJobEnd?: (job: JobRecord, seconds: number) => void;
  /** The queue could not be read or written (a full disk, say); the runner retries on its timer. */
  onError?: (err: unknown) => void;
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
  private pumping?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly jobs: JobQueue,
    private readonly kinds: JobKinds,
    private readonly inputs: InputConfig,
    public concurrency: number,
    private readonly hooks: RunnerHooks = {},
  ) {}

  /** Takes up jobs left Running by a crash, then starts working the queue. */
  async start(): Promise<{ requeued: number; failed: number }> {
    const recovered = await this.jobs.requeueRunning(MAX_JOB_ATTEMPTS);
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
    return recovered;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Starts queued jobs while there is a free worker (one pass at a time). */
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
    while (!this.stopping && this.active.size < this.concurrency) {
      const job = await this.jobs.fetch();
      if (!job) return;
      // Fetched while stop() began: it goes back to the queue with the running ones.
      if (this.stopping) return;
      const controller = new AbortController();
      this.active.set(job.id, controller);
      const run = this.run(job, controller.signal).finally(() => {
        this.active.delete(job.id);
        this.running.delete(run);
        this.kick();
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
    await this.pumping;
    for (const controller of this.active.values()) controller.abort('shutdown' satisfies StopReason);
    await Promise.allSettled([...this.running]);
    await this.jobs.requeueRunning(Number.MAX_SAFE_INTEGER);
  }

  private async run(job: JobRecord, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    let lastProgress = 0;
    /** Where the media was staged: never shown to clients, who know it by the name they gave. */
    let stagedAt: string | undefined;
    const ctx: JobContext = {
      signal,
      progress: (fraction) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
        lastProgress = now;
        void this.jobs.progress(job.id, Math.round(Math.min(99, fraction * 100) * 10) / 10).catch(() => undefined);
      },
      stage: async () => {
        if (!job.input) throw new VdnaError('INVALID_ARGUMENT', 'this job has no media');
        stagedAt = await stageInput(this.inputs, job, job.input, signal);
        return stagedAt;
      },
    };
    let ended: JobRecord | undefined;
    try {
      const kind = this.kinds.get(job.kind);
      if (!kind) throw new VdnaError('INVALID_ARGUMENT', `no job kind "${job.kind}" is installed in this server`);
      const outcome = await kind.run(job, ctx);
      signal.throwIfAborted();
      ended = await this.jobs.complete(job.id, { code: 'OK', message: outcome.message, result: outcome.result }, outcome.effects);
      try {
        outcome.afterCommit?.();
      } catch (err) {
        this.hooks.onError?.(err);
      }
    } catch (err) {
      // Interrupted by shutdown: stop() puts it back in the queue.
      if (signal.aborted && signal.reason === ('shutdown' satisfies StopReason)) return;
      const cancelled = signal.aborted;
      const e = err instanceof VdnaError ? err : undefined;
      const shown = (message: string) => (stagedAt && job.input ? message.split(stagedAt).join(job.input.source) : message);
      ended = await this.jobs
        .fail(
          job.id,
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
      if (job.input && (!this.stopping || ended)) await unstage(this.inputs, job.id, job.input);
      if (ended) this.hooks.onJobEnd?.(ended, (Date.now() - started) / 1000);
    }
  }
}
