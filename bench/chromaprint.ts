/**
 * Chromaprint side by side with the audio rows: fpcalc's raw fingerprint (one 32-bit value per
 * ~0.124 s) of the query and of its master, aligned at the offset with the fewest differing bits, and
 * the stretch where the two agree taken as the matching segment. Chromaprint identifies whole tracks;
 * this is the usual way to apply it to excerpts. It has no notion of speed change.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { popcount32 } from '../src/fingerprint/hamming.js';
import type { Box } from './scoring.js';

const run = promisify(execFile);
/** Seconds per fingerprint item: 4096-sample frames with 2/3 overlap at 11 025 Hz. */
export const ITEM_SECONDS = 4096 / 3 / 11025;
/** Bits (of 32) that may differ, averaged over a window, for two items to count as the same sound. */
const MAX_WINDOW_ERRORS = 10;
const WINDOW = 8;
/** Items in a row needed for a segment (about 3 s, as vdna's audio segments). */
const MIN_ITEMS = Math.round(3 / ITEM_SECONDS);

/** fpcalc -raw of a whole file. Debian's fpcalc 1.5.1 may exit 3 after printing a valid fingerprint. */
export async function chromaprint(path: string): Promise<Uint32Array> {
  let stdout: string;
  try {
    ({ stdout } = await run('fpcalc', ['-raw', '-length', '0', path], { maxBuffer: 64 << 20 }));
  } catch (err) {
    stdout = String((err as { stdout?: string }).stdout ?? '');
  }
  const line = stdout.split('\n').find((l) => l.startsWith('FINGERPRINT='));
  if (!line) throw new Error(`fpcalc gave no fingerprint for ${path} (is libchromaprint-tools installed? bash scripts/bench-deps.sh)`);
  return Uint32Array.from(line.slice('FINGERPRINT='.length).split(',').map(Number));
}

/** The query's best placement in the master, as segments where the aligned items agree. */
export function chromaprintMatch(query: Uint32Array, master: Uint32Array): Box[] {
  let best = { offset: 0, errors: Infinity };
  for (let offset = -query.length + MIN_ITEMS; offset <= master.length - MIN_ITEMS; offset++) {
    let errors = 0;
    let n = 0;
    for (let i = Math.max(0, -offset); i < query.length && i + offset < master.length; i++) {
      errors += popcount32(query[i] ^ master[i + offset]);
      n++;
    }
    if (n >= MIN_ITEMS && errors / n < best.errors) best = { offset, errors: errors / n };
  }
  if (!Number.isFinite(best.errors)) return [];
  const agree: boolean[] = [];
  for (let i = 0; i < query.length; i++) {
    let errors = 0;
    let n = 0;
    for (let j = Math.max(0, i - WINDOW / 2); j < Math.min(query.length, i + WINDOW / 2); j++) {
      const m = j + best.offset;
      if (m < 0 || m >= master.length) continue;
      errors += popcount32(query[j] ^ master[m]);
      n++;
    }
    agree.push(n > 0 && errors / n <= MAX_WINDOW_ERRORS);
  }
  const boxes: Box[] = [];
  for (let i = 0; i < agree.length; ) {
    if (!agree[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < agree.length && agree[j]) j++;
    if (j - i >= MIN_ITEMS) {
      boxes.push({
        queryStart: i * ITEM_SECONDS,
        queryEnd: j * ITEM_SECONDS,
        masterStart: (i + best.offset) * ITEM_SECONDS,
        masterEnd: (j + best.offset) * ITEM_SECONDS,
      });
    }
    i = j;
  }
  return boxes;
}
