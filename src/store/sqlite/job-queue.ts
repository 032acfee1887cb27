/** The job queue, its queues and the callback outbox in the embedded engine's database. */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VdnaError } from '../../errors.js';
import type { Heartbeat, JobEffects, JobEnd, JobFilter, JobQueue, Lease, QueueRecord, RequeueScope } from '../../jobs/queue.js';
import { DEFAULT_QUEUE, type CallbackTarget, type JobRecord, type JobState, type NewJob } from '../../jobs/types.js';
import type { Delivery, DeliveryAttempt, Outbox } from '../../notify/outbox.js';
import { putFaces } from './face-store.js';
import { putItem, removeItems } from './library-store.js';
import { pageOf } from '../sql/paging.js';
import {
  afterAttempt,
  CANCELLED_WAITING,
  CLEAR_RESULT,
  END_SET,
  endValues,
  failedDeliveries,
  interrupted,
  JOB_COLUMNS,
  JOB_PLACEHOLDERS,
  jobList,
  jobValues,
  NOT_RUNNING_HERE,
  STORED_RESULTS,
  toCounts,
  toDelivery,
  toJob,
  toQueue,
  toStoredResult,
  type DeliveryRow,
  type JobRow,
} from '../sql/jobs.js';

export class SqliteJobQueue implements JobQueue {
  constructor(private readonly db: Database.Database) {}

  private row(id: string): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && toJob(row);
  }

  private ensureQueue(account: string, name: string): void {
    this.db.prepare('INSERT OR IGNORE INTO queues (account, name) VALUES (?, ?)').run(account, name);
  }

  async send(job: NewJob, id = randomBytes(16).toString('hex')): Promise<JobRecord> {
    return this.db.transaction(() => {
      this.ensureQueue(job.account, job.queue);
      const { paused } = this.db.prepare('SELECT paused FROM queues WHERE account = ? AND name = ?').get(job.account, job.queue) as { paused: number };
      this.db
        .prepare(`INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_PLACEHOLDERS})`)
        .run(...jobValues(id, job, paused ? 'Paused' : 'Queued'));
      return this.row(id)!;
    }).immediate();
  }

  async fetch(worker: string, leaseMs: number): Promise<JobRecord | undefined> {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT id FROM jobs WHERE state = 'Queued' ORDER BY priority DESC, seq LIMIT 1").get() as { id: string } | undefined;
      if (!row) return undefined;
      this.db
        .prepare(
          `UPDATE jobs SET state = 'Running', attempts = attempts + 1, started_at = ?, progress = 0,
                           lease_owner = ?, lease_until = ?, cancel_requested = 0
            WHERE id = ?`,
        )
        .run(new Date().toISOString(), worker, Date.now() + leaseMs, row.id);
      return this.row(row.id);
    }).immediate();
  }

  async heartbeat(lease: Lease, leaseMs: number, percent?: number): Promise<Heartbeat> {
    const row = this.db
      .prepare(
        `UPDATE jobs SET lease_until = ?, progress = COALESCE(?, progress)
          WHERE id = ? AND state = 'Running' AND lease_owner = ? RETURNING cancel_requested`,
      )
      .get(Date.now() + leaseMs, percent ?? null, lease.id, lease.worker) as { cancel_requested: number } | undefined;
    return { held: row !== undefined, cancelRequested: row?.cancel_requested === 1 };
  }

  /** Ends a job that is in one of the states `from` and writes its event to the outbox; in the caller's transaction. */
  private end(id: string, state: JobState, end: JobEnd, from: string, worker?: string): JobRecord {
    const { changes } = this.db
      .prepare(`UPDATE jobs SET ${END_SET} WHERE id = ? AND state IN (${from}) ${worker === undefined ? '' : 'AND lease_owner = ?'}`)
      .run(...endValues(state, end), id, ...(worker === undefined ? [] : [worker]));
    if (changes === 0) throw new VdnaError('JOB_NOT_CANCELLABLE', NOT_RUNNING_HERE(id));
    const job = this.row(id)!;
    const target = job.callback ?? this.queueCallback(job.account, job.queue);
    if (target && target.type !== 'none') {
      this.db.prepare("INSERT INTO deliveries (job_id, target, state, next_at) VALUES (?, ?, 'Pending', ?)").run(id, JSON.stringify(target), Date.now());
    }
    return job;
  }

  async complete(lease: Lease, end: JobEnd, effects: JobEffects = {}): Promise<JobRecord> {
    return this.db.transaction(() => {
      // The lease is checked first: a worker that lost its job stores nothing.
      const job = this.end(lease.id, 'Success', end, "'Running'", lease.worker);
      if (effects.put) putItem(this.db, effects.put.libraryId, effects.put.item, effects.put.replace);
      if (effects.remove) removeItems(this.db, effects.remove.libraryId, effects.remove.keys);
      if (effects.faces) putFaces(this.db, job.account, job.id, effects.faces);
      return job;
    }).immediate();
  }

  async fail(lease: Lease, end: JobEnd, state: 'Failed' | 'Cancelled' = 'Failed'): Promise<JobRecord> {
    return this.db.transaction(() => this.end(lease.id, state, end, "'Running'", lease.worker)).immediate();
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    return this.db.transaction(() => {
      const job = this.row(id);
      if (job?.state === 'Queued' || job?.state === 'Paused') {
        return this.end(id, 'Cancelled', CANCELLED_WAITING, "'Queued', 'Paused'");
      }
      if (job?.state !== 'Running') return undefined;
      this.db.prepare('UPDATE jobs SET cancel_requested = 1 WHERE id = ?').run(id);
      return job;
    }).immediate();
  }

  async requeueRunning(maxAttempts: number, scope: RequeueScope = {}): Promise<{ requeued: number; failed: number }> {
    const where = [`state = 'Running'`];
    const args: unknown[] = [];
    if (scope.worker !== undefined) where.push('lease_owner = ?'), args.push(scope.worker);
    if (scope.expiredOnly) where.push('lease_until < ?'), args.push(Date.now());
    const clause = where.join(' AND ');
    return this.db.transaction(() => {
      const spent = this.db.prepare(`SELECT id FROM jobs WHERE ${clause} AND attempts >= ?`).all(...args, maxAttempts) as Array<{ id: string }>;
      for (const { id } of spent) {
        this.end(id, 'Failed', interrupted(maxAttempts), "'Running'");
      }
      const requeued = this.db
        .prepare(
          `UPDATE jobs SET progress = 0, lease_owner = NULL, lease_until = NULL,
                  state = CASE WHEN (SELECT paused FROM queues q WHERE q.account = jobs.account AND q.name = jobs.queue) = 1 THEN 'Paused' ELSE 'Queued' END
            WHERE ${clause}`,
        )
        .run(...args).changes;
      return { requeued, failed: spent.length };
    }).immediate();
  }

  async get(account: string, id: string): Promise<JobRecord | undefined> {
    const job = this.row(id);
    return job?.account === account ? job : undefined;
  }

  async byId(id: string): Promise<JobRecord | undefined> {
    return this.row(id);
  }

  async list(account: string, filter: JobFilter): Promise<{ jobs: JobRecord[]; nextCursor?: string }> {
    const { sql, args } = jobList(account, filter);
    const rows = this.db.prepare(sql).all(...args) as JobRow[];
    const { page, nextCursor } = pageOf(rows, filter.limit);
    return { jobs: page.map(toJob), ...(nextCursor && { nextCursor }) };
  }

  async result(id: string): Promise<unknown> {
    const row = this.db.prepare('SELECT result FROM jobs WHERE id = ?').get(id) as { result: string | null } | undefined;
    return row?.result ? JSON.parse(row.result) : undefined;
  }

  async storedResults(limit: number): Promise<Array<{ job: JobRecord; result: unknown }>> {
    return (this.db.prepare(STORED_RESULTS).all(limit) as Array<JobRow & { result: string }>).map(toStoredResult);
  }

  async clearStoredResult(id: string): Promise<void> {
    this.db.prepare(CLEAR_RESULT).run(id);
  }

  private queueCallback(account: string, name: string): CallbackTarget | undefined {
    const row = this.db.prepare('SELECT callback FROM queues WHERE account = ? AND name = ?').get(account, name) as { callback: string | null } | undefined;
    return row?.callback ? JSON.parse(row.callback) : undefined;
  }

  async queue(account: string, name: string): Promise<QueueRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM queues WHERE account = ? AND name = ?').get(account, name) as
      | { paused: number; callback: string | null }
      | undefined;
    if (!row) return undefined;
    const counts = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs WHERE account = ? AND queue = ? GROUP BY state').all(account, name);
    return toQueue(account, name, row, toCounts(counts as Array<{ state: JobState; n: number }>));
  }

  async queues(account: string): Promise<QueueRecord[]> {
    this.ensureQueue(account, DEFAULT_QUEUE);
    const names = this.db.prepare('SELECT name FROM queues WHERE account = ? ORDER BY name').all(account) as Array<{ name: string }>;
    return Promise.all(names.map(async (q) => (await this.queue(account, q.name))!));
  }

  async configureQueue(account: string, name: string, callback: CallbackTarget | null | undefined): Promise<QueueRecord> {
    this.ensureQueue(account, name);
    if (callback !== undefined) {
      this.db.prepare('UPDATE queues SET callback = ? WHERE account = ? AND name = ?').run(callback && JSON.stringify(callback), account, name);
    }
    return (await this.queue(account, name))!;
  }

  async setPaused(account: string, name: string, paused: boolean): Promise<QueueRecord> {
    this.db.transaction(() => {
      this.ensureQueue(account, name);
      this.db.prepare('UPDATE queues SET paused = ? WHERE account = ? AND name = ?').run(paused ? 1 : 0, account, name);
      this.db
        .prepare('UPDATE jobs SET state = ? WHERE account = ? AND queue = ? AND state = ?')
        .run(paused ? 'Paused' : 'Queued', account, name, paused ? 'Queued' : 'Paused');
    }).immediate();
    return (await this.queue(account, name))!;
  }

  async stateCounts(): Promise<Partial<Record<JobState, number>>> {
    return toCounts(this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: JobState; n: number }>);
  }
}

/** The outbox's rows are written by SqliteJobQueue when a job ends; this side works them off. */
export class SqliteOutbox implements Outbox {
  constructor(private readonly db: Database.Database) {}

  async deliveries(jobId: string): Promise<Delivery[]> {
    return (this.db.prepare('SELECT * FROM deliveries WHERE job_id = ? ORDER BY id').all(jobId) as DeliveryRow[]).map(toDelivery);
  }

  async due(now: number, limit: number): Promise<Delivery[]> {
    const rows = this.db
      .prepare("SELECT * FROM deliveries WHERE state = 'Pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?")
      .all(now, limit) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async nextDueIn(now: number): Promise<number | undefined> {
    const row = this.db.prepare("SELECT MIN(next_at) AS at FROM deliveries WHERE state = 'Pending'").get() as { at: number | null };
    return row.at === null ? undefined : Math.max(0, row.at - now);
  }

  async failed(account: string, page: { limit: number; cursor?: string }): Promise<{ deliveries: Delivery[]; nextCursor?: string }> {
    const { sql, args } = failedDeliveries(account, page);
    const rows = this.db.prepare(sql).all(...args) as Array<DeliveryRow & { seq: number }>;
    const { page: shown, nextCursor } = pageOf(rows, page.limit);
    return { deliveries: shown.map(toDelivery), ...(nextCursor && { nextCursor }) };
  }

  async replay(account: string, id: number): Promise<Delivery | undefined> {
    const { changes } = this.db
      .prepare(
        `UPDATE deliveries SET state = 'Pending', attempts = 0, next_at = ?
          WHERE id = ? AND state = 'Failed' AND job_id IN (SELECT id FROM jobs WHERE account = ?)`,
      )
      .run(Date.now(), id, account);
    if (!changes) return undefined;
    return toDelivery(this.db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as DeliveryRow);
  }

  async recordAttempt(id: number, attempt: DeliveryAttempt, retryAt?: number): Promise<void> {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT log FROM deliveries WHERE id = ?').get(id) as { log: string };
      const next = afterAttempt(row.log, attempt, retryAt);
      this.db.prepare('UPDATE deliveries SET state = ?, attempts = attempts + 1, next_at = ?, log = ? WHERE id = ?').run(next.state, next.nextAt, next.log, id);
    }).immediate();
  }
}
