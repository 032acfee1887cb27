import { MultiIndexHash } from './multi-index.js';

/** Frame hashes: `variants` (hi, lo) hash pairs per frame, and a flag per flat (unmatchable) frame. */
export interface HashSequence {
  count: number;
  variants: number;
  hashes: Uint32Array;
  flat: Uint8Array;
}

/** A library item as the matcher sees it: its key and its frame hashes (one variant per frame). */
export interface IndexedItem {
  key: string;
  fps: number;
  duration: number;
  frames: HashSequence;
}

export interface ItemFrames {
  key: string;
  fps: number;
  duration: number;
  count: number;
  hashes: Uint32Array;
  flat: Uint8Array;
}

/**
 * All frames of a library in two flat arrays (items are views into them), plus the multi-index over
 * non-flat frames, built on first use. About 29 bytes per indexed frame.
 */
export class VideoIndex {
  readonly items: IndexedItem[] = [];
  /** Global frame id of each item's first frame, ascending. */
  private readonly starts: Uint32Array;
  private readonly hashes: Uint32Array;
  private readonly flat: Uint8Array;
  private mih?: MultiIndexHash;

  constructor(items: ItemFrames[]) {
    const total = items.reduce((a, i) => a + i.count, 0);
    this.hashes = new Uint32Array(total * 2);
    this.flat = new Uint8Array(total);
    this.starts = new Uint32Array(items.length);
    let at = 0;
    items.forEach((item, n) => {
      this.starts[n] = at;
      this.hashes.set(item.hashes.subarray(0, item.count * 2), at * 2);
      this.flat.set(item.flat.subarray(0, item.count), at);
      this.items.push({
        key: item.key,
        fps: item.fps,
        duration: item.duration,
        frames: {
          count: item.count,
          variants: 1,
          hashes: this.hashes.subarray(at * 2, (at + item.count) * 2),
          flat: this.flat.subarray(at, at + item.count),
        },
      });
      at += item.count;
    });
  }

  get totalFrames(): number {
    return this.flat.length;
  }

  /** Global frame id of the first frame of item `item`. */
  firstFrame(item: number): number {
    return this.starts[item];
  }

  /** The item holding global frame `id`. */
  itemOf(id: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  multiIndex(): MultiIndexHash {
    this.mih ??= new MultiIndexHash(this.hashes, (i) => this.flat[i] === 0);
    return this.mih;
  }

  /** Resident bytes of the index: hashes, flags and the multi-index tables if built. */
  get bytes(): number {
    return this.hashes.byteLength + this.flat.byteLength + this.starts.byteLength + (this.mih?.bytes ?? 0);
  }
}
