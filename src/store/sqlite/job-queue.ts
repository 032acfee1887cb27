/** The job queue, its queues and the callback outbox in the embedded engine's database. */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { VdnaError } from '../../errors.js';
import type { Heartbeat, JobEffects, JobEnd, JobFilter, JobQueue, Lease, QueueRecord, RequeueScope } from '../../jobs/queue.js';
import { DEFAULT_QUEUE, type CallbackTarget, type JobRecord, type JobState, type NewJob } from '../../jobs/types.js';
import type { Delivery, DeliveryAttempt, Outbox } from '../../notify/outbox.js';
import { putFaces } from './face-store.js';
import { putItem, removeItems } from './library-store.js';
import { decodeCursor, pageOf } from './paging.js';

interface JobRow {
  seq: number;
  id: string;
  account: string;
  kind: string;
  door: string;
  queue: string;
  library: string;
  options: string | null;
  mode: string;
  state: string;
  priority: number;
  progress: number;
  primary_key: string | null;
  input: string | null;
  user_data: string | null;
  callback: string | null;
  key_id: string | null;
  code: string | null;
  message: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

function toJob(r: JobRow): JobRecord {
  return {
    id: r.id,
    account: r.account,
    kind: r.kind,
    door: r.door as JobRecord['door'],
    queue: r.queue,
    library: r.library,
    ...(r.options !== null && { options: JSON.parse(r.options) }),
    mode: r.mode as JobRecord['mode'],
    state: r.state as JobState,
    priority: r.priority,
    progress: r.progress,
    ...(r.primary_key !== null && { primaryKey: r.primary_key }),
    ...(r.input !== null && { input: JSON.parse(r.input) }),
    ...(r.user_data !== null && { userData: r.user_data }),
    ...(r.callback !== null && { callback: JSON.parse(r.callback) }),
    ...(r.key_id !== null && { keyId: r.key_id }),
    ...(r.code !== null && { code: r.code }),
    ...(r.message !== null && { message: r.message }),
    attempts: r.attempts,
    createdAt: r.created_at,
    ...(r.started_at !== null && { startedAt: r.started_at }),
    ...(r.completed_at !== null && { completedAt: r.completed_at }),
  };
}

const WAITING = "state IN ('Queued', 'Paused')";

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
        .prepare(
          `INSERT INTO jobs (id, account, kind, door, queue, library, options, mode, state, priority, primary_key, input, user_data, callback, key_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          job.account,
          job.kind,
          job.door ?? 'native',
          job.queue,
          job.library,
          job.options ? JSON.stringify(job.options) : null,
          job.mode,
          paused ? 'Paused' : 'Queued',
          job.priority,
          job.primaryKey ?? null,
          job.input ? JSON.stringify(job.input) : null,
          job.userData ?? null,
          job.callback ? JSON.stringify(job.callback) : null,
          job.keyId ?? null,
          new Date().toISOString(),
        );
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
      .prepare(
        `UPDATE jobs SET state = ?, code = ?, message = ?, result = ?, completed_at = ?, lease_owner = NULL, lease_until = NULL,
                         progress = CASE WHEN ? = 'Success' THEN 100 ELSE progress END
          WHERE id = ? AND state IN (${from}) ${worker === undefined ? '' : 'AND lease_owner = ?'}`,
      )
      .run(
        state,
        end.code,
        end.message,
        end.result === undefined ? null : JSON.stringify(end.result),
        new Date().toISOString(),
        state,
        id,
        ...(worker === undefined ? [] : [worker]),
      );
    if (changes === 0) throw new VdnaError('JOB_NOT_CANCELLABLE', `job "${id}" is not running here (it ended, or its lease passed to another worker)`);
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
        return this.end(id, 'Cancelled', { code: 'CANCELLED', message: 'cancelled before it ran' }, "'Queued', 'Paused'");
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
        this.end(id, 'Failed', { code: 'INTERRUPTED', message: `its worker stopped during this job ${maxAttempts} times; it is not tried again` }, "'Running'");
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
    const where = ['account = ?'];
    const args: unknown[] = [account];
    const inList = (column: string, values: string[]) => {
      where.push(`${column} IN (${values.map(() => '?').join(', ') || 'NULL'})`);
      args.push(...values);
    };
    if (filter.states?.length) inList('state', filter.states);
    if (filter.libraries !== undefined) inList('library', filter.libraries);
    if (filter.queue !== undefined) where.push('queue = ?'), args.push(filter.queue);
    if (filter.primaryKey !== undefined) where.push('primary_key = ?'), args.push(filter.primaryKey);
    if (filter.kind !== undefined) where.push('kind = ?'), args.push(filter.kind);
    if (filter.since !== undefined) where.push('created_at >= ?'), args.push(filter.since);
    if (filter.until !== undefined) where.push('created_at < ?'), args.push(filter.until);
    const asc = filter.order === 'asc';
    if (filter.cursor !== undefined) where.push(asc ? 'seq > ?' : 'seq < ?'), args.push(decodeCursor(filter.cursor));
    const rows = this.db
      .prepare(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY seq ${asc ? 'ASC' : 'DESC'} LIMIT ?`)
      .all(...args, filter.limit + 1) as JobRow[];
    const { page, nextCursor } = pageOf(rows, filter.limit);
    return { jobs: page.map(toJob), ...(nextCursor && { nextCursor }) };
  }

  async result(id: string): Promise<unknown> {
    const row = this.db.prepare('SELECT result FROM jobs WHERE id = ?').get(id) as { result: string | null } | undefined;
    return row?.result ? JSON.parse(row.result) : undefined;
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
    const counts = this.db
      .prepare('SELECT state, COUNT(*) AS n FROM jobs WHERE account = ? AND queue = ? GROUP BY state')
      .all(account, name) as Array<{ state: JobState; n: number }>;
    return {
      account,
      name,
      paused: row.paused === 1,
      ...(row.callback !== null && { callback: JSON.parse(row.callback) }),
      counts: Object.fromEntries(counts.map((c) => [c.state, c.n])),
    };
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
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: JobState; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}

interface DeliveryRow {
  id: number;
  job_id: string;
  target: string;
  state: Delivery['state'];
  attempts: number;
  next_at: number;
  log: string;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    jobId: r.job_id,
    target: JSON.parse(r.target),
    state: r.state,
    attempts: r.attempts,
    ...(r.state === 'Pending' && { nextAttemptAt: new Date(r.next_at).toISOString() }),
    log: JSON.parse(r.log),
  };
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
    const rows = this.db
      .prepare(
        `SELECT d.*, d.id AS seq FROM deliveries d JOIN jobs j ON j.id = d.job_id
          WHERE j.account = ? AND d.state = 'Failed' ${page.cursor !== undefined ? 'AND d.id < ?' : ''}
          ORDER BY d.id DESC LIMIT ?`,
      )
      .all(account, ...(page.cursor !== undefined ? [decodeCursor(page.cursor)] : []), page.limit + 1) as Array<DeliveryRow & { seq: number }>;
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
      const log = [...JSON.parse(row.log), attempt];
      const state = attempt.ok ? 'Delivered' : retryAt !== undefined ? 'Pending' : 'Failed';
      this.db
        .prepare('UPDATE deliveries SET state = ?, attempts = attempts + 1, next_at = ?, log = ? WHERE id = ?')
        .run(state, retryAt ?? Date.now(), JSON.stringify(log), id);
    }).immediate();
  }
}
