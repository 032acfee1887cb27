import { VdnaError } from '../errors.js';

/** The size of a page a caller asked for (`fallback` when none), within 1..`max` of `what`. */
export function pageLimit(limit: number | undefined, fallback: number, max: number, what: string): number {
  const n = limit ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new VdnaError('INVALID_ARGUMENT', `a page holds 1-${max} ${what}`);
  return n;
}
