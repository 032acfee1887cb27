/** VCSL-style segment scoring of one query-library pair, on both time axes. */

export interface Box {
  queryStart: number;
  queryEnd: number;
  masterStart: number;
  masterEnd: number;
}

export interface PairTally {
  predictedQuery: number;
  predictedMaster: number;
  trueQuery: number;
  trueMaster: number;
  overlapQuery: number;
  overlapMaster: number;
}

export const emptyTally = (): PairTally => ({ predictedQuery: 0, predictedMaster: 0, trueQuery: 0, trueMaster: 0, overlapQuery: 0, overlapMaster: 0 });

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Adds one pair to a tally. A predicted box counts towards the overlap only where it intersects a
 * true box on both axes, so a match of the right query seconds to the wrong master seconds earns
 * nothing.
 */
export function tallyPair(tally: PairTally, predicted: Box[], truth: Box[]): PairTally {
  for (const p of predicted) {
    tally.predictedQuery += p.queryEnd - p.queryStart;
    tally.predictedMaster += p.masterEnd - p.masterStart;
  }
  for (const t of truth) {
    tally.trueQuery += t.queryEnd - t.queryStart;
    tally.trueMaster += t.masterEnd - t.masterStart;
  }
  for (const p of predicted) {
    for (const t of truth) {
      const oq = overlap(p.queryStart, p.queryEnd, t.queryStart, t.queryEnd);
      const om = overlap(p.masterStart, p.masterEnd, t.masterStart, t.masterEnd);
      if (oq > 0 && om > 0) {
        tally.overlapQuery += oq;
        tally.overlapMaster += om;
      }
    }
  }
  return tally;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** Micro-averaged precision and recall (mean of the two axes) and their F1. */
export function scores(t: PairTally): Scores {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const precision = t.predictedQuery + t.predictedMaster > 0 ? (ratio(t.overlapQuery, t.predictedQuery) + ratio(t.overlapMaster, t.predictedMaster)) / 2 : 0;
  const recall = (ratio(t.overlapQuery, t.trueQuery) + ratio(t.overlapMaster, t.trueMaster)) / 2;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** A match segment as a box on both timelines. */
export const segmentBox = (s: { StartTime: number; EndTime: number; MasterStartTime: number; MasterEndTime: number }): Box => ({
  queryStart: s.StartTime,
  queryEnd: s.EndTime,
  masterStart: s.MasterStartTime,
  masterEnd: s.MasterEndTime,
});

/** One row of a benchmark table: an edit type, its query-library pairs, their tally and false matches. */
export interface Row {
  edit: string;
  queries: number;
  pairs: number;
  tally: PairTally;
  falseMatches: number;
}

/** Rows per edit type, filled one searched query at a time. */
export class Rows {
  private readonly rows = new Map<string, Row>();

  /**
   * Adds a query's results: `found` maps each library item it matched to its predicted boxes. The
   * true master's boxes are scored against `truth` (a miss counts its truth as unfound); any other
   * item is a false match. `pairs` is how many query-library pairs the query stands for.
   */
  add(edit: string, master: string | undefined, truth: Box[], pairs: number, found: Iterable<[string, Box[]]>): void {
    const row = this.rows.get(edit) ?? { edit, queries: 0, pairs: 0, tally: emptyTally(), falseMatches: 0 };
    this.rows.set(edit, row);
    row.queries++;
    row.pairs += pairs;
    let boxes: Box[] = [];
    for (const [key, predicted] of found) {
      if (key === master) boxes = predicted;
      else row.falseMatches++;
    }
    if (master) tallyPair(row.tally, boxes, truth);
  }

  list(): Row[] {
    return [...this.rows.values()];
  }
}
