/**
 * The multi-index on PostgreSQL (src/index/frame-key-index.ts): table frame_keys holds, per non-flat
 * frame of every item, four rows — key = table number × 65536 + the frame's 16-bit substring of that
 * table — with the frame's 64-bit hash beside it (and four more for its centre strip, tables 4 to 7), partitioned by library (frame_keys_<library num>)
 * under a B-tree on (library, key) that includes the hash, item and frame (so a lookup reads the index
 * only). An item's rows are written and removed in the transaction that stores or removes the item,
 * so they always agree with the item list; a BRIN index on the item number finds them to remove.
 * A search is one indexed join of its probes with the table, the full 64-bit distance checked by the
 * database (only hits leave it), then the windows' frames sliced out of the items' hashes.
 */
import type { ChooseWindows, FrameHit, FrameKeyIndex, FrameView, FrameWindow, Probe, WindowFrames } from '../../index/frame-key-index.js';
import { bufferToWords, unpackBits } from '../sql/items.js';
import type { StoredItem } from '../store.js';
import type { Database, Sql } from './database.js';

/** The partition of a library's rows (`num`: the library's number, an integer from the database). */
export const framePartition = (num: number) => `frame_keys_${Math.trunc(num)}`;

export const createFramePartition = (tx: Sql, num: number) =>
  tx.run(`CREATE TABLE ${framePartition(num)} PARTITION OF frame_keys FOR VALUES IN (${Math.trunc(num)})`);

/** Rows (frame, hash) from three int4 arrays of `?` parameters: frame numbers, hi and lo words (signed). */
const FRAME_HASHES = `(SELECT frame, (hi::int8 << 32) | (lo::int8 & 4294967295) AS hash FROM unnest(?::int4[], ?::int4[], ?::int4[]) AS u(frame, hi, lo))`;
/** The key of `hash` (an int8 expression) in table t.n (0-3) of a view (the strips' tables follow the frames'). */
const keyOf = (hash: string, view: FrameView) => `((t.n + ${view === 'strips' ? 4 : 0}) * 65536 + ((${hash} >> (48 - 16 * t.n)) & 65535))::int4`;

/** Frame numbers and signed hi, lo words, as FRAME_HASHES takes them. */
function frameArrays(entries: Array<{ frame: number; hi: number; lo: number }>): [number[], number[], number[]] {
  return [entries.map((e) => e.frame), entries.map((e) => e.hi | 0), entries.map((e) => e.lo | 0)];
}

/** Writes an item's rows (its non-flat frames and strips); inside the transaction that stores the item. */
export async function writeFrameKeys(tx: Sql, library: number, item: number, frames: Pick<StoredItem, 'count' | 'hashes' | 'flat' | 'strip'>): Promise<void> {
  const views: Array<[FrameView, Pick<StoredItem, 'hashes' | 'flat'> | undefined]> = [['frames', frames], ['strips', frames.strip]];
  for (const [view, seen] of views) {
    if (!seen) continue;
    const entries: Probe[] = [];
    for (let f = 0; f < frames.count; f++) if (!seen.flat[f]) entries.push({ frame: f, hi: seen.hashes[2 * f], lo: seen.hashes[2 * f + 1] });
    if (entries.length === 0) continue;
    await tx.run(
      `INSERT INTO frame_keys (hash, library, item, frame, key)
       SELECT f.hash, ?, ?, f.frame, ${keyOf('f.hash', view)} FROM ${FRAME_HASHES} f CROSS JOIN generate_series(0, 3) AS t(n)`,
      [library, item, ...frameArrays(entries)],
    );
  }
}

/** Removes the rows of items (by number); inside the transaction that removes or replaces them. */
export async function deleteFrameKeys(tx: Sql, library: number, items: number[]): Promise<void> {
  if (items.length) await tx.run('DELETE FROM frame_keys WHERE library = ? AND item = ANY(?::int4[])', [library, items]);
}

/** Writes the rows of every item already stored (the migration that adds the table). */
export async function backfillFrameKeys(tx: Sql): Promise<void> {
  for (const { num } of await tx.rows<{ num: number }>('SELECT num FROM libraries ORDER BY num')) await createFramePartition(tx, num);
  const items = await tx.rows<{ num: number; library: number }>('SELECT i.num, l.num AS library FROM items i JOIN libraries l ON l.id = i.library');
  for (const { num, library } of items) {
    const row = (await tx.row<{ hashes: Buffer; flat: Buffer; frame_count: number }>('SELECT hashes, flat, frame_count FROM items WHERE num = ?', [num]))!;
    const count = row.frame_count;
    await writeFrameKeys(tx, library, num, { count, hashes: bufferToWords(row.hashes), flat: unpackBits(row.flat, count) });
  }
}

export class PgFrameKeyIndex implements FrameKeyIndex {
  constructor(private readonly db: Database) {}

  search<W extends FrameWindow>(
    libraryId: string,
    probes: Probe[],
    maxDistance: number,
    choose: ChooseWindows<W>,
    probeRadius: 0 | 1 = 0,
    view: FrameView = 'frames',
  ): Promise<WindowFrames<W>[]> {
    return this.db.transaction(async (tx) => {
      const library = await tx.row<{ num: number }>('SELECT num FROM libraries WHERE id = ?', [libraryId]);
      if (!library || probes.length === 0) return [];
      // Thousands of cheap index lookups: compiling them (JIT, chosen by the cost of a large library) costs more than it saves.
      await tx.run('SET LOCAL jit = off');
      const distance = 'bit_count((hash # p.hash)::bit(64))';
      const hits = await tx.rows<FrameHit>(
        // Per probe, table and flipped bit (-1: none) one index lookup (LATERAL), never a scan of the
        // library's rows (the planner's pick for a small library otherwise: a hash join over all of
        // them; OFFSET 0 keeps it from flattening the subquery into that join).
        `SELECT p.frame AS probe, f.item, f.frame, MIN(f.distance) AS distance
           FROM ${FRAME_HASHES} p CROSS JOIN generate_series(0, 3) AS t(n) CROSS JOIN generate_series(-1, ?) AS b(bit)
          CROSS JOIN LATERAL (SELECT item, frame, ${distance} AS distance FROM frame_keys
                               WHERE library = ? AND key = ${keyOf('p.hash', view)} # (CASE WHEN b.bit < 0 THEN 0 ELSE 1 << b.bit END)
                                 AND ${distance} <= ? OFFSET 0) f
          GROUP BY 1, 2, 3`,
        [...frameArrays(probes), probeRadius ? 15 : -1, library.num, maxDistance],
      );
      const described = await tx.rows<{ num: number; key: string; fps: number; duration: number; frame_count: number }>(
        'SELECT num, key, fps, duration, frame_count FROM items WHERE num = ANY(?::int4[])',
        [[...new Set(hits.map((h) => h.item))]],
      );
      const items = new Map(described.map((r) => [r.num, { key: r.key, fps: r.fps, duration: r.duration, count: r.frame_count }]));
      const windows = choose(hits, (item) => items.get(item)!);
      return this.frames(tx, windows, view);
    }, 'REPEATABLE READ');
  }

  /** The windows' frames, sliced from their items' hashes (or strips: hashes, then flat bits) by the database. */
  private async frames<W extends FrameWindow>(tx: Sql, windows: W[], view: FrameView): Promise<WindowFrames<W>[]> {
    if (windows.length === 0) return [];
    const [hashes, flat] = view === 'strips' ? ['i.strip', 'substring(i.strip FROM i.frame_count * 8 + 1)'] : ['i.hashes', 'i.flat'];
    const rows = await tx.rows<{ n: number; key: string; fps: number; duration: number; frame_count: number; hashes: Buffer; flat: Buffer }>(
      `SELECT w.n, i.key, i.fps, i.duration, i.frame_count, substring(${hashes} FROM w.f * 8 + 1 FOR (w.t - w.f) * 8) AS hashes, ${flat} AS flat
         FROM unnest(?::int4[], ?::int4[], ?::int4[], ?::int4[]) AS w(n, item, f, t) JOIN items i ON i.num = w.item ORDER BY w.n`,
      [windows.map((_, n) => n), windows.map((w) => w.item), windows.map((w) => w.from), windows.map((w) => w.to)],
    );
    return rows.map((r) => {
      const w = windows[r.n];
      const hashes = bufferToWords(r.hashes);
      const count = hashes.length / 2;
      return {
        candidate: w,
        item: { key: r.key, fps: r.fps, duration: r.duration },
        master: { count, variants: 1, hashes, flat: unpackBits(r.flat, r.frame_count).slice(w.from, w.from + count) },
      };
    });
  }
}
