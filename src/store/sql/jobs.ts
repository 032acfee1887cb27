/** Jobs, queues and outbox deliveries as rows, for both SQL engines (JSON in text columns, flags 0/1 or booleans). */
import type { JobEnd, JobFilter, QueueRecord } from '../../jobs/queue.js';
import type { JobRecord, JobState, NewJob } from '../../jobs/types.js';
import type { Delivery, DeliveryAttempt } from '../../notify/outbox.js';
import { decodeCursor } from './paging.js';

export interface JobRow {
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

export function toJob(r: JobRow): JobRecord {
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

/** The columns a new job is inserted with (its state is the caller's: Queued, or Paused in a paused queue). */
export const JOB_COLUMNS = 'id, account, kind, door, queue, library, options, mode, state, priority, primary_key, input, user_data, callback, key_id, created_at';
export const JOB_PLACEHOLDERS = JOB_COLUMNS.split(',').map(() => '?').join(', ');

export function jobValues(id: string, job: NewJob, state: JobState): unknown[] {
  return [
    id,
    job.account,
    job.kind,
    job.door ?? 'native',
    job.queue,
    job.library,
    job.options ? JSON.stringify(job.options) : null,
    job.mode,
    state,
    job.priority,
    job.primaryKey ?? null,
    job.input ? JSON.stringify(job.input) : null,
    job.userData ?? null,
    job.callback ? JSON.stringify(job.callback) : null,
    job.keyId ?? null,
    new Date().toISOString(),
  ];
}

/** A page of an account's jobs as `?` SQL (limit + 1 rows, see pageOf). */
export function jobList(account: string, filter: JobFilter): { sql: string; args: unknown[] } {
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
  return { sql: `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY seq ${asc ? 'ASC' : 'DESC'} LIMIT ?`, args: [...args, filter.limit + 1] };
}

/** Jobs per state, from `SELECT state, COUNT(*) AS n … GROUP BY state`. */
export const toCounts = (rows: Array<{ state: JobState; n: number | string }>): Partial<Record<JobState, number>> =>
  Object.fromEntries(rows.map((c) => [c.state, Number(c.n)]));

export function toQueue(
  account: string,
  name: string,
  row: { paused: number | boolean; callback: string | null },
  counts: Partial<Record<JobState, number>>,
): QueueRecord {
  return { account, name, paused: Boolean(row.paused), ...(row.callback !== null && { callback: JSON.parse(row.callback) }), counts };
}

/** What ends a job: its state, code, message and end time, the lease dropped, progress 100 on success (its result is a blob). */
export const END_SET = `state = ?, code = ?, message = ?, completed_at = ?, lease_owner = NULL, lease_until = NULL,
                        progress = CASE WHEN ? = 'Success' THEN 100 ELSE progress END`;

export const endValues = (state: JobState, end: JobEnd): unknown[] => [state, end.code, end.message, new Date().toISOString(), state];

/** Results an older vdna kept in the job's row, oldest first, for the move to the blobs (limit: `?`). */
export const STORED_RESULTS = 'SELECT * FROM jobs WHERE result IS NOT NULL ORDER BY seq LIMIT ?';
export const CLEAR_RESULT = 'UPDATE jobs SET result = NULL WHERE id = ?';

/** A row of STORED_RESULTS as the job and its result (a text "null" an older vdna wrote is none). */
export const toStoredResult = (row: JobRow & { result: string }) => ({ job: toJob(row), result: JSON.parse(row.result) ?? undefined });

export const NOT_RUNNING_HERE = (id: string) => `job "${id}" is not running here (it ended, or its lease passed to another worker)`;

/** Why requeueRunning fails a job instead of queueing it once more. */
export const interrupted = (maxAttempts: number) => ({
  code: 'INTERRUPTED',
  message: `its worker stopped during this job ${maxAttempts} times; it is not tried again`,
});

export const CANCELLED_WAITING = { code: 'CANCELLED', message: 'cancelled before it ran' };

export interface DeliveryRow {
  id: number;
  job_id: string;
  target: string;
  state: Delivery['state'];
  attempts: number;
  next_at: number;
  log: string;
}

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: Number(r.id),
    jobId: r.job_id,
    target: JSON.parse(r.target),
    state: r.state,
    attempts: r.attempts,
    ...(r.state === 'Pending' && { nextAttemptAt: new Date(Number(r.next_at)).toISOString() }),
    log: JSON.parse(r.log),
  };
}

/** An account's dead letters, newest first (limit + 1 rows, see pageOf). */
export function failedDeliveries(account: string, page: { limit: number; cursor?: string }): { sql: string; args: unknown[] } {
  const after = page.cursor !== undefined;
  return {
    sql: `SELECT d.*, d.id AS seq FROM deliveries d JOIN jobs j ON j.id = d.job_id
           WHERE j.account = ? AND d.state = 'Failed' ${after ? 'AND d.id < ?' : ''}
           ORDER BY d.id DESC LIMIT ?`,
    args: [account, ...(after ? [decodeCursor(page.cursor!)] : []), page.limit + 1],
  };
}

/** The state and log after an attempt: Delivered, Pending again (a retry at `retryAt`), or Failed. */
export function afterAttempt(log: string, attempt: DeliveryAttempt, retryAt?: number) {
  return {
    state: attempt.ok ? 'Delivered' : retryAt !== undefined ? 'Pending' : 'Failed',
    nextAt: retryAt ?? Date.now(),
    log: JSON.stringify([...JSON.parse(log), attempt]),
  };
}
