import { searchVideo, type Match, type QueryFrames, type SearchOptions } from '../match/search.js';
import { VideoIndex, type ItemFrames } from './video-index.js';

/** Frames added since the last rebuild, beyond which the base is rebuilt (or this share of the base). */
const MIN_RECENT_FRAMES = 50_000;
const RECENT_SHARE = 1 / 8;

/**
 * A library's index kept current as items come and go, without reloading the library: an immutable
 * base, a small index of the items added since (rebuilt on each add, cheap while small), and the base
 * keys removed or replaced since. When the additions or removals grow past a share of the base, the
 * base is rebuilt in memory. A search is the union over both parts, minus the removed base keys.
 */
export class LibraryIndex {
  private base!: VideoIndex;
  private baseKeys!: Set<string>;
  private readonly removed = new Set<string>();
  private readonly recent = new Map<string, ItemFrames>();
  private recentIndex?: VideoIndex;

  constructor(items: ItemFrames[]) {
    this.rebuild(items);
  }

  private rebuild(items: ItemFrames[]): void {
    this.base = new VideoIndex(items);
    this.baseKeys = new Set(items.map((i) => i.key));
    this.removed.clear();
    this.recent.clear();
    this.recentIndex = undefined;
  }

  /** Every live item, as frames (views into the indexes; no copy). */
  private liveItems(): ItemFrames[] {
    const base = this.base.items
      .filter((i) => !this.removed.has(i.key))
      .map((i) => ({ key: i.key, fps: i.fps, duration: i.duration, count: i.frames.count, hashes: i.frames.hashes, flat: i.frames.flat }));
    return [...base, ...this.recent.values()];
  }

  private maybeRebuild(): void {
    const recentFrames = [...this.recent.values()].reduce((a, i) => a + i.count, 0);
    const limit = Math.max(MIN_RECENT_FRAMES, this.base.totalFrames * RECENT_SHARE);
    if (recentFrames > limit || this.removed.size > Math.max(8, this.baseKeys.size * RECENT_SHARE)) this.rebuild(this.liveItems());
  }

  /** Adds an item, or replaces the item of that key. */
  put(item: ItemFrames): void {
    if (this.baseKeys.has(item.key)) this.removed.add(item.key);
    this.recent.set(item.key, item);
    this.recentIndex = undefined;
    this.maybeRebuild();
  }

  remove(key: string): void {
    if (this.recent.delete(key)) this.recentIndex = undefined;
    if (this.baseKeys.has(key)) this.removed.add(key);
    this.maybeRebuild();
  }

  get itemCount(): number {
    return this.baseKeys.size - this.removed.size + this.recent.size;
  }

  get totalFrames(): number {
    return this.base.totalFrames + (this.recentIndex?.totalFrames ?? 0);
  }

  /** The base index (for benchmarks that look inside it). */
  get baseIndex(): VideoIndex {
    return this.base;
  }

  search(query: QueryFrames, opts: SearchOptions = {}): Match[] {
    const matches = searchVideo(this.base, query, opts).filter((m) => !this.removed.has(m.PrimaryKey));
    if (this.recent.size > 0) {
      this.recentIndex ??= new VideoIndex([...this.recent.values()]);
      matches.push(...searchVideo(this.recentIndex, query, opts));
    }
    return matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));
  }
}
