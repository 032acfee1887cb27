/**
 * The PostgreSQL engine's connection pool. The stores write SQL with `?` placeholders, as the SQLite
 * engine does (so the two share statements and filters, store/sql/), numbered here. A transaction runs
 * on one client at READ COMMITTED; its rows are locked by what it updates (or selects FOR UPDATE) until
 * it commits, which is what orders concurrent writers — a deadlock or serialization failure reruns it
 * (bodies only touch the database). BIGINT columns (seq, revisions, epoch milliseconds) read as numbers.
 */
import pg from 'pg';
import { migrate } from './migrations.js';
import { sql, type Sql } from './sql.js';

export type { Sql };

export interface Database extends Sql {
  /** Runs `body` in one transaction (REPEATABLE READ gives it one snapshot for every read). */
  transaction<T>(body: (tx: Sql) => Promise<T>, isolation?: 'READ COMMITTED' | 'REPEATABLE READ'): Promise<T>;
  close(): Promise<void>;
}

const INT8 = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((id: number, format?: 'text' | 'binary') => (id === INT8 ? Number : pg.types.getTypeParser(id, format))) as pg.CustomTypesConfig['getTypeParser'],
};

/** Errors a transaction is rerun after: serialization failure, deadlock. */
const TRANSIENT = new Set(['40001', '40P01']);
const MAX_TRIES = 5;

/** Connects to `url` (postgres://…) and brings its schema up to date. */
export async function openDatabase(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // An idle client whose connection dropped (a restarted server) is discarded; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    ...sql(pool),
    async transaction(body, isolation = 'READ COMMITTED') {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken: Error | undefined;
        try {
          await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
          const result = await body(sql(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch((e: Error) => (broken = e));
          if (attempt < MAX_TRIES && TRANSIENT.has((err as { code?: string }).code ?? '')) continue;
          throw err;
        } finally {
          client.release(broken);
        }
      }
    },
    close: () => pool.end(),
  };
}
