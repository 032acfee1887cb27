/** The stores' `?` SQL on a pool or one client (a transaction's, a migration's). */
import type pg from 'pg';

/** What runs `?` SQL: the pool, or one transaction's client. */
export interface Sql {
  rows<R = Record<string, unknown>>(sql: string, args?: unknown[]): Promise<R[]>;
  /** The first row, if any. */
  row<R = Record<string, unknown>>(sql: string, args?: unknown[]): Promise<R | undefined>;
  /** How many rows a statement changed. */
  run(sql: string, args?: unknown[]): Promise<number>;
}

/** `?` placeholders as $1, $2, … (the stores' SQL holds no `?` of its own). */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

export function sql(client: pg.Pool | pg.PoolClient): Sql {
  const query = (text: string, args: unknown[] = []) => client.query(numbered(text), args);
  return {
    rows: async (text, args) => (await query(text, args)).rows,
    row: async (text, args) => (await query(text, args)).rows[0],
    run: async (text, args) => (await query(text, args)).rowCount ?? 0,
  };
}
