import type { AudioFingerprint } from '../fingerprint/audio/fingerprint.js';
import { searchAudio, type AudioMatchParams } from './audio-match.js';
import { fuseMatches } from './fuse.js';
import { searchForStills, searchStill } from './still.js';
import { indexHits, searchVideo, stripQuery, unionVideoMatches, type Match, type QueryFrames, type SearchOptions } from './search.js';
import { bestPlacements, placementProbes, supportedPlacements, type PlacementVotes } from './placements.js';
import type { StoredAudio, StoredItem, StoredText } from '../store/store.js';
import { fingerprintText, type TextFingerprint } from '../fingerprint/text/shingles.js';
import { searchText } from './text-match.js';
import { TextIndex } from '../index/text-index.js';
import { AudioIndex } from '../index/audio-index.js';
import { VideoIndex, type ItemFrames } from '../index/video-index.js';

/** What the index keeps of an item: its frames (count 0 when it has no picture), its sound and its text. */
export type IndexItem = ItemFrames & { strip?: StoredItem['strip']; audio?: Pick<StoredAudio, 'frameRate' | 'landmarks'>; text?: StoredText };

/** A query: picture, sound, or both; or a still picture. */
export interface Query {
  video?: QueryFrames;
  audio?: AudioFingerprint;
  text?: TextFingerprint;
  /** The picture is a still: it is looked for frame by frame, not aligned in time. */
  still?: boolean;
}

export interface LibrarySearchOptions extends SearchOptions {
  audioParams?: Partial<AudioMatchParams>;
}

/** An item's weight in the index, in frames or their equivalent (8 landmarks, one cue). */
const sizeOf = (i: IndexItem) => i.count + (i.audio?.landmarks.length ?? 0) / 8 + (i.text?.cues.length ?? 0);

/** Frames added since the last rebuild, beyond which the base is rebuilt (or this share of the base). */
const MIN_RECENT_FRAMES = 50_000;
const RECENT_SHARE = 1 / 8;

/** The picture and sound indexes of a set of items. */
class Part {
  readonly video: VideoIndex;
  /** The items' centre strips (video libraries), searched with the query's whole picture. */
  readonly strips: VideoIndex;
  readonly audio: AudioIndex;
  readonly text: TextIndex;

  constructor(
    items: IndexItem[],
    private readonly pictures: boolean,
  ) {
    this.video = new VideoIndex(items.filter((i) => i.count > 0));
    this.strips = new VideoIndex(pictures ? [] : items.flatMap((i) => (i.count > 0 && i.strip ? [{ ...i, ...i.strip }] : [])));
    this.audio = new AudioIndex(
      items.filter((i) => i.audio).map((i) => ({ key: i.key, frameRate: i.audio!.frameRate, duration: i.duration, landmarks: i.audio!.landmarks })),
    );
    this.text = new TextIndex(items.filter((i) => i.text).map((i) => ({ key: i.key, text: fingerprintText(i.text!.cues, i.text!.timed) })));
  }

  search(query: Query, opts: LibrarySearchOptions): Match[] {
    // A still looks for its moments in videos; a video in a library of pictures, for theirs in it.
    const match = query.still ? searchStill : this.pictures ? searchForStills : searchVideo;
    const frames = query.video && this.video.items.length ? match(this.video, query.video, opts) : [];
    const strip = query.video && !query.still && this.strips.items.length ? stripQuery(query.video) : undefined;
    const video = strip ? unionVideoMatches(frames, searchVideo(this.strips, strip, opts)) : frames;
    const audio = query.audio && this.audio.items.length ? searchAudio(this.audio, query.audio, opts.audioParams) : new Map();
    const text = query.text && this.text.items.length ? searchText(this.text, query.text) : new Map();
    return fuseMatches(video, audio, text);
  }

  /** How the query's grid finds this part's items (placements.ts), leaving out the items `gone` names. */
  placements(query: QueryFrames, gone: (key: string) => boolean): PlacementVotes[] {
    if (!query.placements || this.pictures || !this.video.items.length) return [];
    const keyOf = (item: number) => this.video.items[item].key;
    const hits = indexHits(this.video, placementProbes(query.placements, query)).filter((h) => !gone(keyOf(h.item)));
    return supportedPlacements(hits, query.placements, query.count, keyOf);
  }
}

/**
 * A library's index kept current as items come and go, without reloading the library: an immutable
 * base, a small index of the items added since (rebuilt on each add, cheap while small), and the base
 * keys removed or replaced since. When the additions or removals grow past a share of the base, the
 * base is rebuilt in memory. A search is the union over both parts, minus the removed base keys.
 */
export class LibraryIndex {
  private base!: Part;
  private baseItems!: Map<string, IndexItem>;
  /** sizeOf summed over the base, kept from the last rebuild (the base does not change until the next). */
  private baseSize = 0;
  private readonly removed = new Set<string>();
  private readonly recent = new Map<string, IndexItem>();
  private recentPart?: Part;

  /** `pictures`: the items are still pictures (an image library). */
  constructor(
    items: IndexItem[],
    private readonly pictures = false,
  ) {
    this.rebuild(items);
  }

  private rebuild(items: IndexItem[]): void {
    this.base = new Part(items, this.pictures);
    this.baseItems = new Map(items.map((i) => [i.key, i]));
    this.baseSize = items.reduce((a, i) => a + sizeOf(i), 0);
    this.removed.clear();
    this.recent.clear();
    this.recentPart = undefined;
  }

  private maybeRebuild(): void {
    const recentSize = [...this.recent.values()].reduce((a, i) => a + sizeOf(i), 0);
    const limit = Math.max(MIN_RECENT_FRAMES, this.baseSize * RECENT_SHARE);
    if (recentSize > limit || this.removed.size > Math.max(8, this.baseItems.size * RECENT_SHARE)) {
      this.rebuild([...[...this.baseItems.values()].filter((i) => !this.removed.has(i.key)), ...this.recent.values()]);
    }
  }

  /** Adds an item, or replaces the item of that key. */
  put(item: IndexItem): void {
    if (this.baseItems.has(item.key)) this.removed.add(item.key);
    this.recent.set(item.key, item);
    this.recentPart = undefined;
    this.maybeRebuild();
  }

  remove(key: string): void {
    if (this.recent.delete(key)) this.recentPart = undefined;
    if (this.baseItems.has(key)) this.removed.add(key);
    this.maybeRebuild();
  }

  /** An item's duration in seconds (undefined for a key not in the index). */
  duration(key: string): number | undefined {
    const item = this.recent.get(key) ?? (this.removed.has(key) ? undefined : this.baseItems.get(key));
    return item?.duration;
  }

  get itemCount(): number {
    return this.baseItems.size - this.removed.size + this.recent.size;
  }

  /** The base's picture index (for benchmarks that look inside it). */
  get baseIndex(): VideoIndex {
    return this.base.video;
  }

  /** The base's index of the items' centre strips. */
  get baseStripIndex(): VideoIndex {
    return this.base.strips;
  }

  get baseAudioIndex(): AudioIndex {
    return this.base.audio;
  }

  search(query: Query, opts: LibrarySearchOptions = {}): Match[] {
    const matches = this.base.search(query, opts).filter((m) => !this.removed.has(m.PrimaryKey));
    if (this.recent.size > 0) {
      this.recentPart ??= new Part([...this.recent.values()], this.pictures);
      matches.push(...this.recentPart.search(query, opts));
    }
    return matches.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));
  }

  /** The placements of the library's window that a query's grid finds, for what `found` (the query's
   *  matches) misses (a cropped copy: see placements.ts). */
  placements(query: QueryFrames, found: Match[]): PlacementVotes[] {
    const supported = this.base.placements(query, (key) => this.removed.has(key));
    if (this.recent.size > 0) {
      this.recentPart ??= new Part([...this.recent.values()], this.pictures);
      supported.push(...this.recentPart.placements(query, () => false));
    }
    return bestPlacements(supported, found, query.fps);
  }
}
