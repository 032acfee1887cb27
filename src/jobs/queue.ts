/**
 * The job layer's contract: a small queue vocabulary (after pg-boss: send, fetch, complete, fail,
 * cancel) plus the reads and queue settings the services need. Engines implement it in store/<engine>/;
 * every verb is asynchronous so that a server database can sit behind it.
 */
import type { NewFace } from '../store/faces.js';
import type { StoredItem } from '../store/store.js';
import type { CallbackTarget, JobRecord, JobState, NewJob } from './types.js';

export interface JobFilter {
  states?: JobState[];
  /** Only jobs of these libraries (names); undefined means every library. */
  libraries?: string[];
  queue?: string;
  /** Jobs on one primary key (VOD finds a media's jobs by it), of one kind. */
  primaryKey?: string;
  kind?: string;
  /** ISO times: jobs created at or after `since` and before `until`. */
  since?: string;
  until?: string;
  limit: number;
  /** Opaque: the cursor returned with the previous page. */
  cursor?: string;
  /** Newest first (default), or oldest first. */
  order?: 'asc' | 'desc';
}

export interface QueueRecord {
  account: string;
  name: string;
  paused: boolean;
  callback?: CallbackTarget;
  /** Jobs per state in this queue. */
  counts: Partial<Record<JobState, number>>;
}

/** What a job's end writes besides its state, in the same transaction. */
export interface JobEffects {
  put?: { libraryId: string; item: StoredItem; replace: boolean };
  remove?: { libraryId: string; keys: string[] };
  /** Faces a tagging job found, stored as the job's (and its account's); their thumbnails are blobs, put before (jobs/results.ts). */
  faces?: NewFace[];
}

/** How a job ended; its result is not the queue's: a blob, kept before the job completes (jobs/results.ts). */
export interface JobEnd {
  code: string;
  message: string;
}

/** A worker's hold on a running job: only its holder may end the job or renew the hold. */
export interface Lease {
  id: string;
  /** The worker that fetched the job (unique per process: host and pid). */
  worker: string;
}

/** What a worker learns when it renews its lease. */
export interface Heartbeat {
  /** False once the job is no longer this worker's (its lease expired and it went back to the queue, or it ended). */
  held: boolean;
  /** Someone asked to cancel the job (or its library was deleted): the worker stops it. */
  cancelRequested: boolean;
}

/** Which running jobs go back to the queue. */
export interface RequeueScope {
  /** Only the jobs of this worker (it stopped, or died). */
  worker?: string;
  /** Only jobs whose lease ran out (their worker stopped renewing: dead, hung, or cut off). */
  expiredOnly?: boolean;
}

export interface JobQueue {
  /** Queues a job (Paused if its queue is paused) under a new unguessable id. */
  send(job: NewJob, id?: string): Promise<JobRecord>;
  /** Takes the next queued job (highest priority, then oldest), marks it Running and leases it to `worker` for `leaseMs`. */
  fetch(worker: string, leaseMs: number): Promise<JobRecord | undefined>;
  /** Renews a lease for `leaseMs` and records progress (0..100) if given. */
  heartbeat(lease: Lease, leaseMs: number, percent?: number): Promise<Heartbeat>;
  /**
   * Ends a leased job in Success: its state, `effects` (the item it stores or removes, the faces it
   * found) and its completion event (to the job's callback, else its queue's) in one transaction — all
   * or none. Refused (JOB_NOT_CANCELLABLE) unless the lease is still held: a job ends once. Its result
   * and its faces' thumbnails are blobs, put before this (jobs/results.ts).
   */
  complete(lease: Lease, end: JobEnd, effects?: JobEffects): Promise<JobRecord>;
  /** Ends a leased job in Failed (or Cancelled), with its event; refused unless the lease is held. */
  fail(lease: Lease, end: JobEnd, state?: 'Failed' | 'Cancelled'): Promise<JobRecord>;
  /**
   * Cancels a job: a waiting one (Queued, Paused) ends Cancelled at once; a running one is flagged and
   * its worker stops it (it ends Cancelled then). Undefined if the job had already ended.
   */
  cancel(id: string): Promise<JobRecord | undefined>;
  /**
   * Puts running jobs back in the queue (Paused in a paused queue); those started `maxAttempts` times
   * fail instead (INTERRUPTED) — so a job that kills its worker is not retried forever.
   */
  requeueRunning(maxAttempts: number, scope?: RequeueScope): Promise<{ requeued: number; failed: number }>;

  get(account: string, id: string): Promise<JobRecord | undefined>;
  /** A job by id whatever its account (the engine's own use: runner, callbacks). */
  byId(id: string): Promise<JobRecord | undefined>;
  /** Newest first, filtered, one page at a time. */
  list(account: string, filter: JobFilter): Promise<{ jobs: JobRecord[]; nextCursor?: string }>;
  /**
   * A result an older vdna kept in the job's row (undefined when there is none): results are blobs now
   * (jobs/results.ts), and a server's start moves these there (storedResults, clearStoredResult).
   */
  result(id: string): Promise<unknown>;
  /** Up to `limit` jobs whose rows still hold a result, oldest first, with it (for the move to the blobs). */
  storedResults(limit: number): Promise<Array<{ job: JobRecord; result: unknown }>>;
  /** Empties a job's result column once the result is a blob. */
  clearStoredResult(id: string): Promise<void>;

  queue(account: string, name: string): Promise<QueueRecord | undefined>;
  queues(account: string): Promise<QueueRecord[]>;
  /** Creates a queue, or sets its default callback (`null` removes it; undefined leaves it). */
  configureQueue(account: string, name: string, callback: CallbackTarget | null | undefined): Promise<QueueRecord>;
  /** Pausing holds the queue's waiting jobs (they show Paused); running jobs finish. */
  setPaused(account: string, name: string, paused: boolean): Promise<QueueRecord>;
  /** Jobs per state over every account, for metrics. */
  stateCounts(): Promise<Partial<Record<JobState, number>>>;
}
