/** Newest-first pages over a table's `seq` column: the cursor is the last row's seq, opaque to clients. */
import { VdnaError } from '../../errors.js';

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{1,15}$/.test(text)) throw new VdnaError('INVALID_ARGUMENT', 'invalid cursor');
  return Number(text);
}

/** A page of `limit` rows from a query that asked for limit + 1 (the extra row tells that more follow). */
export function pageOf<R extends { seq: number }>(rows: R[], limit: number): { page: R[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  return {
    page,
    ...(rows.length > limit && { nextCursor: Buffer.from(String(page[page.length - 1].seq)).toString('base64url') }),
  };
}

/** A newest-first page of `table` rows of one account, as `?` SQL and its arguments (the rows: `limit + 1`, see pageOf). */
export function accountPage(table: string, account: string, page: { limit: number; cursor?: string }): { sql: string; args: unknown[] } {
  const after = page.cursor !== undefined;
  return {
    sql: `SELECT * FROM ${table} WHERE account = ? ${after ? 'AND seq < ?' : ''} ORDER BY seq DESC LIMIT ?`,
    args: [account, ...(after ? [decodeCursor(page.cursor!)] : []), page.limit + 1],
  };
}
