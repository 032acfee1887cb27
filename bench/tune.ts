/**
 * npm run bench:tune -- grid search of the matching thresholds on the "tune" half of the corpus only
 * (the "test" half is for reporting, never for choosing). Prints each setting's worst and mean F1 over
 * the edit types and its false matches; the defaults in src/config.ts come from here.
 */
import { MATCH_DEFAULTS } from '../src/config.js';
import type { AlignParams } from '../src/match/align.js';
import { evaluate, prepare } from './accuracy.js';
import { scores } from './scoring.js';

const GRID: Array<Partial<AlignParams>> = [];
for (const matchDistance of [16, 18, 20]) {
  for (const minSegmentSimilarity of [0.45, 0.5, 0.55, 0.6]) {
    for (const minStaticSimilarity of [0.6, 0.65, 0.7]) {
      for (const minSegmentScore of [4, 6, 8]) {
        if (minStaticSimilarity >= minSegmentSimilarity) GRID.push({ matchDistance, minSegmentSimilarity, minStaticSimilarity, minSegmentScore });
      }
    }
  }
}

async function main() {
  const p = await prepare('tune');
  const results = GRID.map((params) => {
    const rows = evaluate(p, params);
    const f1 = rows.filter((r) => !r.edit.startsWith('unrelated')).map((r) => scores(r.tally).f1);
    return {
      params,
      worst: Math.min(...f1),
      mean: f1.reduce((a, b) => a + b, 0) / f1.length,
      falseMatches: rows.reduce((a, r) => a + r.falseMatches, 0),
    };
  });
  results.sort((a, b) => a.falseMatches - b.falseMatches || b.mean - a.mean);
  console.log(`defaults: ${JSON.stringify(MATCH_DEFAULTS)}`);
  for (const r of results) console.log(`${JSON.stringify(r.params).padEnd(80)} worst F1 ${r.worst.toFixed(3)}  mean F1 ${r.mean.toFixed(3)}  false ${r.falseMatches}`);
  p.vdna.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
