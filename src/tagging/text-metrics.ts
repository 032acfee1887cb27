/**
 * Accuracy of recognised text against a reference: character error rate (OCR) and word error rate
 * (speech), both Levenshtein distances over the reference length, on normalised text so that case and
 * spacing differences are not counted as errors.
 */

/** The fewest insertions, deletions and substitutions turning `a` into `b`. */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  if (a.length < b.length) [a, b] = [b, a];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, previous[j] + 1, current[j - 1] + 1);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/** Unicode-normalised, lower-case, with runs of whitespace as one space and no space at the ends. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The words of a text: letters, digits and inner apostrophes, punctuation dropped. */
export function textWords(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? [];
}

function errorRate<T>(ref: T[], hyp: T[]): number {
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return editDistance(ref, hyp) / ref.length;
}

/** Character edits per reference character (code points, punctuation included); may exceed 1. */
export function characterErrorRate(ref: string, hyp: string): number {
  return errorRate(Array.from(normalizeText(ref)), Array.from(normalizeText(hyp)));
}

/** Word edits per reference word (punctuation ignored); may exceed 1. */
export function wordErrorRate(ref: string, hyp: string): number {
  return errorRate(textWords(ref), textWords(hyp));
}
