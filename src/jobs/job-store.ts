import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VdnaError } from '../errors.js';
import {
  DEFAULT_QUEUE,
  FINAL_STATES,
  type CallbackTarget,
  type Job,
  type JobState,
  type JobSubmission,
} from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queues (
  name     TEXT PRIMARY KEY,
  paused   INTEGER NOT NULL DEFAULT 0,
  callback TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  queue        TEXT NOT NULL,
  library      TEXT NOT NULL,
  mode         TEXT NOT NULL,
  state        TEXT NOT NULL,
  priority     INTEGER NOT NULL,
  progress     REAL NOT NULL DEFAULT 0,
  primary_key  TEXT,
  input        TEXT,
  user_data    TEXT,
  callback     TEXT,
  code         TEXT,
  message      TEXT,
  result       TEXT,
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  started_at   TEXT,
  completed_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, priority DESC, seq);
CREATE INDEX IF NOT EXISTS jobs_by_library ON jobs (library, seq);
CREATE TABLE IF NOT EXISTS deliveries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      TEXT NOT NULL,
  target      TEXT NOT NULL,
  state       TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  log         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE INDEX IF NOT EXISTS deliveries_by_job ON deliveries (job_id);
`;

interface JobRow {
  seq: number;
  id: string;
  queue: string;
  library: string;
  mode: string;
  state: string;
  priority: number;
  progress: number;
  primary_key: string | null;
  input: string | null;
  user_data: string | null;
  callback: string | null;
  code: string | null;
  message: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface JobFilter {
  states?: JobState[];
  library?: string;
  queue?: string;
  /** ISO times: jobs created at or after `since` and before `until`. */
  since?: string;
  until?: string;
  limit: number;
  /** Opaque: the cursor returned with the previous page. */
  cursor?: string;
}

export interface QueueInfo {
  Name: string;
  Paused: boolean;
  Callback?: CallbackTarget;
  /** Jobs per state in this queue. */
  Counts: Partial<Record<JobState, number>>;
}

export interface DeliveryAttempt {
  Attempt: number;
  Time: string;
  Ok: boolean;
  /** HTTP status, when there was a response. */
  Status?: number;
  Error?: string;
  Milliseconds: number;
}

export interface Delivery {
  Id: number;
  JobId: string;
  Target: CallbackTarget;
  State: 'Pending' | 'Delivered' | 'Failed';
  Attempts: number;
  NextAttemptTime?: string;
  Log: DeliveryAttempt[];
}

export interface Completion {
  state: Extract<JobState, 'Success' | 'Failed' | 'Cancelled'>;
  code?: string;
  message?: string;
  result: unknown;
}

const encodeCursor = (seq: number) => Buffer.from(String(seq)).toString('base64url');
function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isInteger(seq) || seq < 0) throw new VdnaError('INVALID_ARGUMENT', 'invalid cursor');
  return seq;
}

/** Jobs, queues and the callback outbox, in the same SQLite database as the libraries. */
export class JobStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    db.prepare('INSERT OR IGNORE INTO queues (name) VALUES (?)').run(DEFAULT_QUEUE);
  }

  private toJob(r: JobRow): Job {
    return {
      JobId: r.id,
      Queue: r.queue,
      Library: r.library,
      Mode: r.mode as Job['Mode'],
      State: r.state as JobState,
      Priority: r.priority,
      Progress: r.progress,
      ...(r.primary_key !== null && { PrimaryKey: r.primary_key }),
      ...(r.input !== null && { Input: JSON.parse(r.input) }),
      ...(r.user_data !== null && { UserData: r.user_data }),
      ...(r.callback !== null && { Callback: JSON.parse(r.callback) }),
      ...(r.code !== null && { Code: r.code }),
      ...(r.message !== null && { Message: r.message }),
      Attempts: r.attempts,
      CreateTime: r.created_at,
      ...(r.started_at !== null && { StartTime: r.started_at }),
      ...(r.completed_at !== null && { CompleteTime: r.completed_at }),
    };
  }

  /** Queues a job (Paused if its queue is paused) under a new id. */
  submit(sub: JobSubmission, id = randomBytes(16).toString('hex')): Job {
    return this.db.transaction(() => {
      const queue = this.queue(sub.Queue, true);
      this.db
        .prepare(
          `INSERT INTO jobs (id, queue, library, mode, state, priority, primary_key, input, user_data, callback, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          sub.Queue,
          sub.Library,
          sub.Mode,
          queue.Paused ? 'Paused' : 'Queued',
          sub.Priority,
          sub.PrimaryKey ?? null,
          sub.Input ? JSON.stringify(sub.Input) : null,
          sub.UserData ?? null,
          sub.Callback ? JSON.stringify(sub.Callback) : null,
          new Date().toISOString(),
        );
      return this.get(id)!;
    })();
  }

  get(id: string): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && this.toJob(row);
  }

  require(id: string): Job {
    const job = this.get(id);
    if (!job) throw new VdnaError('UNKNOWN_JOB', `no job with id "${id}"`);
    return job;
  }

  /** Jobs by id, in the order asked; unknown ids are left out. */
  getMany(ids: string[]): Job[] {
    return ids.map((id) => this.get(id)).filter((j): j is Job => j !== undefined);
  }

  /** Newest first, filtered, one page at a time. */
  list(filter: JobFilter): { jobs: Job[]; nextCursor?: string } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(', ')})`);
      args.push(...filter.states);
    }
    if (filter.library !== undefined) where.push('library = ?'), args.push(filter.library);
    if (filter.queue !== undefined) where.push('queue = ?'), args.push(filter.queue);
    if (filter.since !== undefined) where.push('created_at >= ?'), args.push(filter.since);
    if (filter.until !== undefined) where.push('created_at < ?'), args.push(filter.until);
    if (filter.cursor !== undefined) where.push('seq < ?'), args.push(decodeCursor(filter.cursor));
    const rows = this.db
      .prepare(`SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...args, filter.limit + 1) as JobRow[];
    const page = rows.slice(0, filter.limit);
    return {
      jobs: page.map((r) => this.toJob(r)),
      ...(rows.length > filter.limit && { nextCursor: encodeCursor(page[page.length - 1].seq) }),
    };
  }

  /** Takes the next queued job (highest priority, then oldest) and marks it Running. */
  claim(): Job | undefined {
    return this.db.transaction(() => {
      const row = this.db
        .prepare("SELECT id FROM jobs WHERE state = 'Queued' ORDER BY priority DESC, seq LIMIT 1")
        .get() as { id: string } | undefined;
      if (!row) return undefined;
      this.db
        .prepare("UPDATE jobs SET state = 'Running', attempts = attempts + 1, started_at = ?, progress = 0 WHERE id = ?")
        .run(new Date().toISOString(), row.id);
      return this.get(row.id);
    })();
  }

  /** After a crash: jobs that were running start again from the queue (or fail after `maxAttempts`). */
  recover(maxAttempts: number): { requeued: number; failed: number } {
    return this.db.transaction(() => {
      const failed = this.db
        .prepare("SELECT id FROM jobs WHERE state = 'Running' AND attempts >= ?")
        .all(maxAttempts) as Array<{ id: string }>;
      for (const { id } of failed) {
        this.complete(id, {
          state: 'Failed',
          code: 'INTERRUPTED',
          message: `the server stopped during this job ${maxAttempts} times; it is not retried again`,
          result: null,
        });
      }
      const requeued = this.db
        .prepare(
          `UPDATE jobs SET state = CASE WHEN (SELECT paused FROM queues WHERE name = jobs.queue) = 1 THEN 'Paused' ELSE 'Queued' END,
                           progress = 0
            WHERE state = 'Running'`,
        )
        .run().changes;
      return { requeued, failed: failed.length };
    })();
  }

  setProgress(id: string, progress: number): void {
    this.db.prepare("UPDATE jobs SET progress = ? WHERE id = ? AND state = 'Running'").run(progress, id);
  }

  /**
   * Ends a job: its state, result and callback deliveries in one transaction, together with
   * `alsoCommit` (the item a save job stores), so that a crash leaves either all of it or none.
   */
  complete(id: string, done: Completion, alsoCommit?: () => void): Job {
    return this.db.transaction(() => {
      alsoCommit?.();
      const now = new Date().toISOString();
      this.db
        .prepare(
          `UPDATE jobs SET state = ?, code = ?, message = ?, result = ?, completed_at = ?,
                           progress = CASE WHEN ? = 'Success' THEN 100 ELSE progress END
            WHERE id = ?`,
        )
        .run(done.state, done.code ?? null, done.message ?? null, JSON.stringify(done.result), now, done.state, id);
      const job = this.require(id);
      const target = job.Callback ?? this.queueCallback(job.Queue);
      if (target) {
        this.db
          .prepare("INSERT INTO deliveries (job_id, target, state, next_at) VALUES (?, ?, 'Pending', ?)")
          .run(id, JSON.stringify(target), Date.now());
      }
      return job;
    })();
  }

  /** The stored result document of a finished job. */
  result(id: string): unknown {
    const row = this.db.prepare('SELECT state, result FROM jobs WHERE id = ?').get(id) as
      | { state: JobState; result: string | null }
      | undefined;
    if (!row) throw new VdnaError('UNKNOWN_JOB', `no job with id "${id}"`);
    if (!FINAL_STATES.includes(row.state)) {
      throw new VdnaError('RESULT_NOT_READY', `job "${id}" is ${row.state}; its result exists once it ends`);
    }
    return row.result === null ? null : JSON.parse(row.result);
  }

  /** Cancels a job that has not ended: waiting jobs at once; a running job is reported to `onRunning`. */
  cancel(id: string, onRunning: (id: string) => boolean): Job {
    const job = this.require(id);
    if (job.State === 'Queued' || job.State === 'Paused') {
      return this.complete(id, { state: 'Cancelled', code: 'CANCELLED', message: 'cancelled before it ran', result: null });
    }
    if (job.State === 'Running' && onRunning(id)) return this.require(id);
    throw new VdnaError('JOB_NOT_CANCELLABLE', `job "${id}" is ${job.State} and cannot be cancelled`);
  }

  queue(name: string, create = false): QueueInfo {
    if (create) this.db.prepare('INSERT OR IGNORE INTO queues (name) VALUES (?)').run(name);
    const row = this.db.prepare('SELECT * FROM queues WHERE name = ?').get(name) as
      | { name: string; paused: number; callback: string | null }
      | undefined;
    if (!row) throw new VdnaError('INVALID_ARGUMENT', `no queue named "${name}"`);
    const counts = this.db
      .prepare('SELECT state, COUNT(*) AS n FROM jobs WHERE queue = ? GROUP BY state')
      .all(name) as Array<{ state: JobState; n: number }>;
    return {
      Name: row.name,
      Paused: row.paused === 1,
      ...(row.callback !== null && { Callback: JSON.parse(row.callback) }),
      Counts: Object.fromEntries(counts.map((c) => [c.state, c.n])),
    };
  }

  /** A queue's default callback (without the job counts that queue() adds). */
  private queueCallback(name: string): CallbackTarget | undefined {
    const row = this.db.prepare('SELECT callback FROM queues WHERE name = ?').get(name) as { callback: string | null } | undefined;
    return row?.callback ? JSON.parse(row.callback) : undefined;
  }

  queues(): QueueInfo[] {
    const names = this.db.prepare('SELECT name FROM queues ORDER BY name').all() as Array<{ name: string }>;
    return names.map((q) => this.queue(q.name));
  }

  /** Creates or updates a queue; `callback: null` removes its default callback. */
  configureQueue(name: string, callback: CallbackTarget | null | undefined): QueueInfo {
    this.db.prepare('INSERT OR IGNORE INTO queues (name) VALUES (?)').run(name);
    if (callback !== undefined) {
      this.db.prepare('UPDATE queues SET callback = ? WHERE name = ?').run(callback && JSON.stringify(callback), name);
    }
    return this.queue(name);
  }

  /** Pausing holds the queue's waiting jobs (they show Paused); running jobs finish. */
  setPaused(name: string, paused: boolean): QueueInfo {
    this.db.transaction(() => {
      this.queue(name);
      this.db.prepare('UPDATE queues SET paused = ? WHERE name = ?').run(paused ? 1 : 0, name);
      this.db
        .prepare('UPDATE jobs SET state = ? WHERE queue = ? AND state = ?')
        .run(paused ? 'Paused' : 'Queued', name, paused ? 'Queued' : 'Paused');
    })();
    return this.queue(name);
  }

  private toDelivery(r: Record<string, unknown>): Delivery {
    return {
      Id: r.id as number,
      JobId: r.job_id as string,
      Target: JSON.parse(r.target as string),
      State: r.state as Delivery['State'],
      Attempts: r.attempts as number,
      ...(r.state === 'Pending' && { NextAttemptTime: new Date(r.next_at as number).toISOString() }),
      Log: JSON.parse(r.log as string),
    };
  }

  deliveries(jobId: string): Delivery[] {
    this.require(jobId);
    const rows = this.db.prepare('SELECT * FROM deliveries WHERE job_id = ? ORDER BY id').all(jobId);
    return rows.map((r) => this.toDelivery(r as Record<string, unknown>));
  }

  /** Deliveries whose next attempt is due, oldest first. */
  dueDeliveries(now: number, limit: number): Delivery[] {
    const rows = this.db
      .prepare("SELECT * FROM deliveries WHERE state = 'Pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?")
      .all(now, limit);
    return rows.map((r) => this.toDelivery(r as Record<string, unknown>));
  }

  /** Milliseconds until the next pending delivery is due, if any. */
  nextDeliveryIn(now: number): number | undefined {
    const row = this.db.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE state = 'Pending'").get() as { at: number | null };
    return row.at === null ? undefined : Math.max(0, row.at - now);
  }

  /** Records an attempt; `retryAt` schedules the next one, else the delivery ends (Delivered or Failed). */
  recordAttempt(id: number, attempt: DeliveryAttempt, retryAt?: number): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT log FROM deliveries WHERE id = ?').get(id) as { log: string };
      const log = [...JSON.parse(row.log), attempt];
      const state = attempt.Ok ? 'Delivered' : retryAt !== undefined ? 'Pending' : 'Failed';
      this.db
        .prepare('UPDATE deliveries SET state = ?, attempts = attempts + 1, next_at = ?, log = ? WHERE id = ?')
        .run(state, retryAt ?? Date.now(), JSON.stringify(log), id);
    })();
  }

  /** Jobs per state, for metrics. */
  stateCounts(): Partial<Record<JobState, number>> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: JobState; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}
