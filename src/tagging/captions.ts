/**
 * On-screen text over time: the OCR lines of sampled frames, in time order, become one timed entry per
 * caption shown. The same caption read on consecutive frames is one entry even when OCR misreads a
 * character now and then or misses it on a single frame; the lines of one caption block (a two-line
 * subtitle) are read as one text, top to bottom.
 */
import { editDistance } from './text-metrics.js';
import type { TextLine, TimedText } from './types.js';

export interface CaptionOptions {
  /** Lines read with a lower score are ignored. */
  minScore?: number;
  /** Two readings are the same caption up to this many edits per character (case and spaces aside). */
  maxDistance?: number;
  /** A caption missing from up to this many sampled frames in a row, then seen again, stays one entry. */
  missesAllowed?: number;
}

/** Lines of a block are at most this many line heights apart vertically. */
const BLOCK_GAP = 0.75;
/** ...and of similar size: the taller at most this many times the shorter. */
const BLOCK_HEIGHT_RATIO = 1.6;
/** Fewer letters or digits than this is junk (a stray mark read as a character). */
const MIN_CHARACTERS = 2;

/** What comparisons look at: lower case, no spaces. */
const comparable = (text: string) => Array.from(text.normalize('NFKC').toLowerCase().replace(/\s+/g, ''));

/** Edits per character between two readings, case and spaces aside: 0 same, 1 nothing in common. */
export function readingDistance(a: string, b: string): number {
  const x = comparable(a);
  const y = comparable(b);
  const longer = Math.max(x.length, y.length);
  return longer === 0 ? 0 : editDistance(x, y) / longer;
}

function belongsUnder(above: TextLine, line: TextLine): boolean {
  const a = above.box;
  const b = line.box;
  const taller = Math.max(a.height, b.height);
  const shorter = Math.max(1, Math.min(a.height, b.height));
  const gap = b.y - (a.y + a.height);
  const overlapsHorizontally = b.x < a.x + a.width && a.x < b.x + b.width;
  return overlapsHorizontally && gap <= BLOCK_GAP * taller && taller / shorter <= BLOCK_HEIGHT_RATIO;
}

/** The lines of one frame joined into text blocks: lines stacked closely under each other, of similar size. */
export function textBlocks(lines: TextLine[]): TextLine[] {
  const blocks: Array<{ last: TextLine; lines: TextLine[] }> = [];
  for (const line of [...lines].sort((a, b) => a.box.y - b.box.y)) {
    const block = blocks.find((b) => belongsUnder(b.last, line));
    if (block) {
      block.lines.push(line);
      block.last = line;
    } else {
      blocks.push({ last: line, lines: [line] });
    }
  }
  return blocks.map(({ lines: members }) => {
    const x = Math.min(...members.map((l) => l.box.x));
    const y = members[0].box.y;
    const right = Math.max(...members.map((l) => l.box.x + l.box.width));
    const bottom = Math.max(...members.map((l) => l.box.y + l.box.height));
    return {
      text: members.map((l) => l.text).join(' '),
      box: { x, y, width: right - x, height: bottom - y },
      score: Math.min(...members.map((l) => l.score)),
    };
  });
}

interface Caption {
  start: number;
  /** Readings seen, with how often: the most frequent one names the caption. */
  readings: Map<string, number>;
  latest: string;
  top: number;
  misses: number;
  /** The time of the first frame of the current run of misses. */
  goneAt?: number;
}

function mostFrequentReading(caption: Caption): string {
  let best = caption.latest;
  for (const [text, count] of caption.readings) if (count > (caption.readings.get(best) ?? 0)) best = text;
  return best;
}

/** Feed it each sampled frame's OCR lines in time order, then `finish` at the end of the media. */
export class CaptionTracker {
  readonly #minScore: number;
  readonly #maxDistance: number;
  readonly #missesAllowed: number;
  #open: Caption[] = [];
  #done: Array<TimedText & { top: number }> = [];

  constructor({ minScore = 0.6, maxDistance = 0.25, missesAllowed = 1 }: CaptionOptions = {}) {
    this.#minScore = minScore;
    this.#maxDistance = maxDistance;
    this.#missesAllowed = missesAllowed;
  }

  add(time: number, lines: TextLine[]): void {
    const readable = lines.filter((l) => l.score >= this.#minScore && (l.text.match(/[\p{L}\p{N}]/gu)?.length ?? 0) >= MIN_CHARACTERS);
    const unmatched = new Set(this.#open);
    for (const block of textBlocks(readable)) {
      const caption = this.#closest(unmatched, block.text);
      if (caption) {
        unmatched.delete(caption);
        caption.readings.set(block.text, (caption.readings.get(block.text) ?? 0) + 1);
        caption.latest = block.text;
        caption.misses = 0;
        caption.goneAt = undefined;
      } else {
        this.#open.push({ start: time, readings: new Map([[block.text, 1]]), latest: block.text, top: block.box.y, misses: 0 });
      }
    }
    for (const caption of unmatched) {
      caption.goneAt ??= time;
      if (++caption.misses > this.#missesAllowed) this.#close(caption, caption.goneAt);
    }
  }

  /** All captions, by start time; those still on screen end at `endTime`. */
  finish(endTime: number): TimedText[] {
    for (const caption of [...this.#open]) this.#close(caption, caption.goneAt ?? endTime);
    return this.#done.sort((a, b) => a.start - b.start || a.top - b.top).map(({ text, start, end }) => ({ text, start, end }));
  }

  /** The open caption whose latest reading is nearest to `text`, if near enough. */
  #closest(captions: Set<Caption>, text: string): Caption | undefined {
    let best: Caption | undefined;
    let bestDistance = this.#maxDistance;
    for (const caption of captions) {
      const distance = readingDistance(caption.latest, text);
      if (distance <= bestDistance) [best, bestDistance] = [caption, distance];
    }
    return best;
  }

  #close(caption: Caption, end: number): void {
    this.#open = this.#open.filter((c) => c !== caption);
    this.#done.push({ text: mostFrequentReading(caption), start: caption.start, end, top: caption.top });
  }
}
