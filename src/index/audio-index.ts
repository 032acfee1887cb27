import { HASH_BITS } from '../fingerprint/audio/landmarks.js';

/** A library item's audio as the matcher sees it. */
export interface AudioItem {
  key: string;
  /** Spectrogram frames per second. */
  frameRate: number;
  duration: number;
  /** (hash, frame) pairs. */
  landmarks: Uint32Array;
}

/**
 * An inverted index of every landmark of a library: postings (item, frame) grouped by hash, laid out
 * by a counting sort in three flat arrays. 8 bytes per landmark plus a 2 MB table.
 */
export class AudioIndex {
  readonly items: AudioItem[];
  private readonly offsets: Uint32Array;
  private readonly postItem: Uint32Array;
  private readonly postTime: Uint32Array;

  constructor(items: AudioItem[]) {
    this.items = items;
    const buckets = 1 << HASH_BITS;
    const counts = new Uint32Array(buckets + 1);
    let total = 0;
    for (const item of items) {
      for (let i = 0; i < item.landmarks.length; i += 2) counts[item.landmarks[i] + 1]++;
      total += item.landmarks.length / 2;
    }
    for (let h = 1; h <= buckets; h++) counts[h] += counts[h - 1];
    this.offsets = counts;
    this.postItem = new Uint32Array(total);
    this.postTime = new Uint32Array(total);
    const fill = counts.slice(0, buckets);
    items.forEach((item, n) => {
      for (let i = 0; i < item.landmarks.length; i += 2) {
        const at = fill[item.landmarks[i]]++;
        this.postItem[at] = n;
        this.postTime[at] = item.landmarks[i + 1];
      }
    });
  }

  get landmarkCount(): number {
    return this.postItem.length;
  }

  /** Calls `visit(item, frame)` for every posting of `hash`. */
  lookup(hash: number, visit: (item: number, frame: number) => void): void {
    for (let i = this.offsets[hash]; i < this.offsets[hash + 1]; i++) visit(this.postItem[i], this.postTime[i]);
  }

  get bytes(): number {
    return this.offsets.byteLength + this.postItem.byteLength + this.postTime.byteLength;
  }
}
