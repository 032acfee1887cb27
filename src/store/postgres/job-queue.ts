/**
 * The job queue and its queues in PostgreSQL, shared by any number of workers on any number of machines.
 * fetch takes the head of the queue with FOR UPDATE SKIP LOCKED: concurrent fetches lock different
 * rows, never wait for each other, and never take one job twice. Leases are kept on the database's
 * clock, so machines whose clocks differ agree on when one runs out. A job's end updates its row only
 * while the lease is the caller's (that row stays locked until commit), then writes its effects and its
 * outbox delivery in the same transaction: it ends once, with all of them or none.
 */
import { randomBytes } from 'node:crypto';
import { VdnaError } from '../../errors.js';
import type { Heartbeat, JobEffects, JobEnd, JobFilter, JobQueue, Lease, QueueRecord, RequeueScope } from '../../jobs/queue.js';
import { DEFAULT_QUEUE, type CallbackTarget, type JobRecord, type JobState, type NewJob } from '../../jobs/types.js';
import { pageOf } from '../sql/paging.js';
import {
  CANCELLED_WAITING,
  CLEAR_RESULT,
  END_SET,
  endValues,
  interrupted,
  JOB_COLUMNS,
  JOB_PLACEHOLDERS,
  jobList,
  jobValues,
  NOT_RUNNING_HERE,
  STORED_RESULTS,
  toCounts,
  toJob,
  toQueue,
  toStoredResult,
  type JobRow,
} from '../sql/jobs.js';
import type { Database, Sql } from './database.js';
import { putFaces } from './face-store.js';
import { putItem, removeItems } from './library-store.js';

/** Now in epoch milliseconds, on the database server's clock. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

export class PgJobQueue implements JobQueue {
  constructor(private readonly db: Database) {}

  private async row(sql: Sql, id: string): Promise<JobRecord | undefined> {
    const row = await sql.row<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
    return row && toJob(row);
  }

  private async ensureQueue(sql: Sql, account: string, name: string): Promise<void> {
    await sql.run('INSERT INTO queues (account, name) VALUES (?, ?) ON CONFLICT DO NOTHING', [account, name]);
  }

  /** The queue's row is read FOR SHARE: a concurrent setPaused waits for this job, or this job for it. */
  async send(job: NewJob, id = randomBytes(16).toString('hex')): Promise<JobRecord> {
    return this.db.transaction(async (tx) => {
      await this.ensureQueue(tx, job.account, job.queue);
      const { paused } = (await tx.row<{ paused: boolean }>('SELECT paused FROM queues WHERE account = ? AND name = ? FOR SHARE', [job.account, job.queue]))!;
      const row = await tx.row<JobRow>(`INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${JOB_PLACEHOLDERS}) RETURNING *`, jobValues(id, job, paused ? 'Paused' : 'Queued'));
      return toJob(row!);
    });
  }

  async fetch(worker: string, leaseMs: number): Promise<JobRecord | undefined> {
    const row = await this.db.row<JobRow>(
      `UPDATE jobs SET state = 'Running', attempts = attempts + 1, started_at = ?, progress = 0,
                       lease_owner = ?, lease_until = ${NOW_MS} + ?, cancel_requested = false
        WHERE seq = (SELECT seq FROM jobs WHERE state = 'Queued' ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [new Date().toISOString(), worker, Math.round(leaseMs)],
    );
    return row && toJob(row);
  }

  async heartbeat(lease: Lease, leaseMs: number, percent?: number): Promise<Heartbeat> {
    const row = await this.db.row<{ cancel_requested: boolean }>(
      `UPDATE jobs SET lease_until = ${NOW_MS} + ?, progress = COALESCE(?, progress)
        WHERE id = ? AND state = 'Running' AND lease_owner = ? RETURNING cancel_requested`,
      [Math.round(leaseMs), percent ?? null, lease.id, lease.worker],
    );
    return { held: row !== undefined, cancelRequested: row?.cancel_requested === true };
  }

  /** Ends a job that is in one of the states `from` and writes its event to the outbox; in the caller's transaction. */
  private async end(tx: Sql, id: string, state: JobState, end: JobEnd, from: string, worker?: string): Promise<JobRecord> {
    const row = await tx.row<JobRow>(
      `UPDATE jobs SET ${END_SET} WHERE id = ? AND state IN (${from}) ${worker === undefined ? '' : 'AND lease_owner = ?'} RETURNING *`,
      [...endValues(state, end), id, ...(worker === undefined ? [] : [worker])],
    );
    if (!row) throw new VdnaError('JOB_NOT_CANCELLABLE', NOT_RUNNING_HERE(id));
    const job = toJob(row);
    const target = job.callback ?? (await this.queueCallback(tx, job.account, job.queue));
    if (target && target.type !== 'none') {
      await tx.run("INSERT INTO deliveries (job_id, target, state, next_at) VALUES (?, ?, 'Pending', ?)", [id, JSON.stringify(target), Date.now()]);
    }
    return job;
  }

  async complete(lease: Lease, end: JobEnd, effects: JobEffects = {}): Promise<JobRecord> {
    return this.db.transaction(async (tx) => {
      // The lease is checked first: a worker that lost its job stores nothing.
      const job = await this.end(tx, lease.id, 'Success', end, "'Running'", lease.worker);
      if (effects.put) await putItem(tx, effects.put.libraryId, effects.put.item, effects.put.replace);
      if (effects.remove) await removeItems(tx, effects.remove.libraryId, effects.remove.keys);
      if (effects.faces) await putFaces(tx, job.account, job.id, effects.faces);
      return job;
    });
  }

  async fail(lease: Lease, end: JobEnd, state: 'Failed' | 'Cancelled' = 'Failed'): Promise<JobRecord> {
    return this.db.transaction((tx) => this.end(tx, lease.id, state, end, "'Running'", lease.worker));
  }

  async cancel(id: string): Promise<JobRecord | undefined> {
    return this.db.transaction(async (tx) => {
      const row = await tx.row<JobRow>('SELECT * FROM jobs WHERE id = ? FOR UPDATE', [id]);
      const job = row && toJob(row);
      if (job?.state === 'Queued' || job?.state === 'Paused') return this.end(tx, id, 'Cancelled', CANCELLED_WAITING, "'Queued', 'Paused'");
      if (job?.state !== 'Running') return undefined;
      await tx.run('UPDATE jobs SET cancel_requested = true WHERE id = ?', [id]);
      return job;
    });
  }

  /**
   * The jobs in scope are locked in seq order (two servers reaping at once take their locks in the same
   * order: no deadlock); a job that ended or was renewed meanwhile is no longer in scope once locked.
   */
  async requeueRunning(maxAttempts: number, scope: RequeueScope = {}): Promise<{ requeued: number; failed: number }> {
    const where = [`state = 'Running'`];
    const args: unknown[] = [];
    if (scope.worker !== undefined) where.push('lease_owner = ?'), args.push(scope.worker);
    if (scope.expiredOnly) where.push(`lease_until < ${NOW_MS}`);
    return this.db.transaction(async (tx) => {
      const jobs = await tx.rows<{ id: string; attempts: number }>(`SELECT id, attempts FROM jobs WHERE ${where.join(' AND ')} ORDER BY seq FOR UPDATE`, args);
      const spent = jobs.filter((j) => j.attempts >= maxAttempts);
      for (const { id } of spent) await this.end(tx, id, 'Failed', interrupted(maxAttempts), "'Running'");
      const again = jobs.filter((j) => j.attempts < maxAttempts).map((j) => j.id);
      if (again.length) {
        await tx.run(
          `UPDATE jobs SET progress = 0, lease_owner = NULL, lease_until = NULL,
                  state = CASE WHEN (SELECT paused FROM queues q WHERE q.account = jobs.account AND q.name = jobs.queue) THEN 'Paused' ELSE 'Queued' END
            WHERE id = ANY(?)`,
          [again],
        );
      }
      return { requeued: again.length, failed: spent.length };
    });
  }

  async get(account: string, id: string): Promise<JobRecord | undefined> {
    const job = await this.row(this.db, id);
    return job?.account === account ? job : undefined;
  }

  async byId(id: string): Promise<JobRecord | undefined> {
    return this.row(this.db, id);
  }

  async list(account: string, filter: JobFilter): Promise<{ jobs: JobRecord[]; nextCursor?: string }> {
    const { sql, args } = jobList(account, filter);
    const { page, nextCursor } = pageOf(await this.db.rows<JobRow>(sql, args), filter.limit);
    return { jobs: page.map(toJob), ...(nextCursor && { nextCursor }) };
  }

  async result(id: string): Promise<unknown> {
    const row = await this.db.row<{ result: string | null }>('SELECT result FROM jobs WHERE id = ?', [id]);
    return row?.result ? JSON.parse(row.result) : undefined;
  }

  async storedResults(limit: number): Promise<Array<{ job: JobRecord; result: unknown }>> {
    return (await this.db.rows<JobRow & { result: string }>(STORED_RESULTS, [limit])).map(toStoredResult);
  }

  async clearStoredResult(id: string): Promise<void> {
    await this.db.run(CLEAR_RESULT, [id]);
  }

  private async queueCallback(sql: Sql, account: string, name: string): Promise<CallbackTarget | undefined> {
    const row = await sql.row<{ callback: string | null }>('SELECT callback FROM queues WHERE account = ? AND name = ?', [account, name]);
    return row?.callback ? JSON.parse(row.callback) : undefined;
  }

  async queue(account: string, name: string): Promise<QueueRecord | undefined> {
    const row = await this.db.row<{ paused: boolean; callback: string | null }>('SELECT * FROM queues WHERE account = ? AND name = ?', [account, name]);
    if (!row) return undefined;
    const counts = await this.db.rows<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs WHERE account = ? AND queue = ? GROUP BY state', [account, name]);
    return toQueue(account, name, row, toCounts(counts));
  }

  async queues(account: string): Promise<QueueRecord[]> {
    await this.ensureQueue(this.db, account, DEFAULT_QUEUE);
    const names = await this.db.rows<{ name: string }>('SELECT name FROM queues WHERE account = ? ORDER BY name', [account]);
    return Promise.all(names.map(async (q) => (await this.queue(account, q.name))!));
  }

  async configureQueue(account: string, name: string, callback: CallbackTarget | null | undefined): Promise<QueueRecord> {
    await this.ensureQueue(this.db, account, name);
    if (callback !== undefined) {
      await this.db.run('UPDATE queues SET callback = ? WHERE account = ? AND name = ?', [callback && JSON.stringify(callback), account, name]);
    }
    return (await this.queue(account, name))!;
  }

  async setPaused(account: string, name: string, paused: boolean): Promise<QueueRecord> {
    await this.db.transaction(async (tx) => {
      await this.ensureQueue(tx, account, name);
      await tx.run('UPDATE queues SET paused = ? WHERE account = ? AND name = ?', [paused, account, name]);
      await tx.run('UPDATE jobs SET state = ? WHERE account = ? AND queue = ? AND state = ?', [paused ? 'Paused' : 'Queued', account, name, paused ? 'Queued' : 'Paused']);
    });
    return (await this.queue(account, name))!;
  }

  async stateCounts(): Promise<Partial<Record<JobState, number>>> {
    return toCounts(await this.db.rows<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state'));
  }
}
