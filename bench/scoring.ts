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
