import { popcount32 } from '../fingerprint/hamming.js';

/**
 * Multi-index hashing (Norouzi, Punjani & Fleet) for 64-bit hashes: four tables keyed by the four
 * 16-bit substrings. Two hashes within distance r share at least one substring within distance
 * floor(r / 4), so exact lookups (and, optionally, the 16 one-bit neighbours of each key) find the
 * candidates that a full-distance check then verifies. Beside each id a table keeps the hash's
 * other 32-bit word, so a bucket is scanned in order and a candidate whose other word alone is too
 * far is dropped without a random access into the hashes (a large library does not fit in cache).
 * Memory: 8 bytes per hash per table.
 */
export class MultiIndexHash {
  private readonly offsets: Uint32Array[] = [];
  private readonly ids: Uint32Array[] = [];
  /** Per table, beside each id: the hash's 32-bit word that does not hold the table's key. */
  private readonly checks: Uint32Array[] = [];
  /** Query epoch per hash, so that a hash found through several tables is verified once. */
  private readonly seen: Uint32Array;
  private epoch = 0;

  /**
   * @param hashes (hi, lo) words, one pair per entry
   * @param include which entries to index (flat frames are left out)
   */
  constructor(
    private readonly hashes: Uint32Array,
    include: (i: number) => boolean = () => true,
  ) {
    const n = hashes.length / 2;
    this.seen = new Uint32Array(n);
    for (let t = 0; t < 4; t++) {
      const counts = new Uint32Array(65537);
      let total = 0;
      for (let i = 0; i < n; i++) {
        if (!include(i)) continue;
        counts[this.key(i, t) + 1]++;
        total++;
      }
      for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
      const ids = new Uint32Array(total);
      const checks = new Uint32Array(total);
      const other = t < 2 ? 1 : 0;
      const fill = counts.slice(0, 65536);
      for (let i = 0; i < n; i++) {
        if (!include(i)) continue;
        const at = fill[this.key(i, t)]++;
        ids[at] = i;
        checks[at] = hashes[2 * i + other];
      }
      this.offsets.push(counts);
      this.ids.push(ids);
      this.checks.push(checks);
    }
  }

  private key(i: number, table: number): number {
    const word = this.hashes[2 * i + (table >> 1)];
    return table & 1 ? word & 0xffff : word >>> 16;
  }

  /** Bytes held by the tables (not counting the hashes themselves). */
  get bytes(): number {
    const sum = (arrays: Uint32Array[]) => arrays.reduce((a, o) => a + o.byteLength, 0);
    return sum(this.offsets) + sum(this.ids) + sum(this.checks) + this.seen.byteLength;
  }

  /**
   * Calls visit(id, distance) for indexed hashes within maxDistance of (hi, lo) that share a
   * substring exactly (probeRadius 0) or within one bit (probeRadius 1).
   */
  search(hi: number, lo: number, maxDistance: number, probeRadius: 0 | 1, visit: (id: number, distance: number) => void): void {
    if (++this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    for (let t = 0; t < 4; t++) {
      const offsets = this.offsets[t];
      const ids = this.ids[t];
      const checks = this.checks[t];
      const word = t < 2 ? hi : lo;
      const key = t & 1 ? word & 0xffff : word >>> 16;
      const other = t < 2 ? lo : hi;
      for (let bit = -1; bit < (probeRadius ? 16 : 0); bit++) {
        const k = bit < 0 ? key : key ^ (1 << bit);
        for (let j = offsets[k], end = offsets[k + 1]; j < end; j++) {
          if (popcount32((checks[j] ^ other) >>> 0) > maxDistance) continue;
          const id = ids[j];
          if (this.seen[id] === epoch) continue;
          this.seen[id] = epoch;
          const d = popcount32((this.hashes[2 * id] ^ hi) >>> 0) + popcount32((this.hashes[2 * id + 1] ^ lo) >>> 0);
          if (d <= maxDistance) visit(id, d);
        }
      }
    }
  }
}
