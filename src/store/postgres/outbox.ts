/**
 * The callback outbox in PostgreSQL; its rows are written by PgJobQueue when a job ends. Several servers
 * may run dispatchers on one database: `due` claims what it hands out (moves its next attempt a while
 * ahead, skipping rows another dispatcher is claiming), so a delivery is attempted by one of them at a
 * time; the attempt's record sets its real next time, and a dispatcher that died leaves it due again.
 */
import type { Delivery, DeliveryAttempt, Outbox } from '../../notify/outbox.js';
import { afterAttempt, failedDeliveries, toDelivery, type DeliveryRow } from '../sql/jobs.js';
import { pageOf } from '../sql/paging.js';
import type { Database } from './database.js';

/** How long a claimed delivery is another dispatcher's (callback attempts time out well before). */
const CLAIM_MS = 5 * 60_000;

export class PgOutbox implements Outbox {
  constructor(private readonly db: Database) {}

  async deliveries(jobId: string): Promise<Delivery[]> {
    return (await this.db.rows<DeliveryRow>('SELECT * FROM deliveries WHERE job_id = ? ORDER BY id', [jobId])).map(toDelivery);
  }

  async due(now: number, limit: number): Promise<Delivery[]> {
    const rows = await this.db.rows<DeliveryRow & { due_at: number }>(
      `WITH due AS (SELECT id, next_at FROM deliveries WHERE state = 'Pending' AND next_at <= ? ORDER BY next_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
       UPDATE deliveries d SET next_at = ? FROM due WHERE d.id = due.id RETURNING d.*, due.next_at AS due_at`,
      [now, limit, now + CLAIM_MS],
    );
    // Handed out as they were due (oldest first, showing when they were due), not as claimed.
    return rows.sort((a, b) => a.due_at - b.due_at || a.id - b.id).map((r) => toDelivery({ ...r, next_at: r.due_at }));
  }

  async nextDueIn(now: number): Promise<number | undefined> {
    const row = await this.db.row<{ at: number | null }>("SELECT MIN(next_at) AS at FROM deliveries WHERE state = 'Pending'");
    return row?.at == null ? undefined : Math.max(0, row.at - now);
  }

  async failed(account: string, page: { limit: number; cursor?: string }): Promise<{ deliveries: Delivery[]; nextCursor?: string }> {
    const { sql, args } = failedDeliveries(account, page);
    const { page: shown, nextCursor } = pageOf(await this.db.rows<DeliveryRow & { seq: number }>(sql, args), page.limit);
    return { deliveries: shown.map(toDelivery), ...(nextCursor && { nextCursor }) };
  }

  async replay(account: string, id: number): Promise<Delivery | undefined> {
    const row = await this.db.row<DeliveryRow>(
      `UPDATE deliveries SET state = 'Pending', attempts = 0, next_at = ?
        WHERE id = ? AND state = 'Failed' AND job_id IN (SELECT id FROM jobs WHERE account = ?) RETURNING *`,
      [Date.now(), id, account],
    );
    return row && toDelivery(row);
  }

  async recordAttempt(id: number, attempt: DeliveryAttempt, retryAt?: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = (await tx.row<{ log: string }>('SELECT log FROM deliveries WHERE id = ? FOR UPDATE', [id]))!;
      const next = afterAttempt(row.log, attempt, retryAt);
      await tx.run('UPDATE deliveries SET state = ?, attempts = attempts + 1, next_at = ?, log = ? WHERE id = ?', [next.state, next.nextAt, next.log, id]);
    });
  }
}
