/**
 * The libraries' persistence contract. Engines live side by side (store/sqlite/, store/postgres/),
 * so every method is asynchronous even where the embedded engine answers at once.
 */

/** What a library holds. Only video is fingerprinted so far; the others can be created and listed. */
export const MEDIA_TYPES = ['video', 'audio', 'image', 'text'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export interface LibraryInfo {
  /** Unguessable id (the cloud doors' DBId). */
  id: string;
  /** The account that owns it; names are unique per account. */
  account: string;
  name: string;
  mediaType: MediaType;
  description: string;
  createdAt: string;
  itemCount: number;
  /** Seconds of media stored. */
  duration: number;
  /** Counts the library's changes: an index built at an older revision catches up (changesSince). */
  revision: number;
}

/** What changed in a library after a revision: items stored (or replaced) and keys removed since. */
export interface LibraryChanges {
  revision: number;
  put: StoredItem[];
  removed: string[];
}

export interface StoredItem {
  key: string;
  /** Where the media came from (path or URL), for the user's reference. */
  source: string;
  duration: number;
  fps: number;
  count: number;
  /** (hi, lo) words per sampled frame. */
  hashes: Uint32Array;
  /** 1 per flat (unmatchable) frame. */
  flat: Uint8Array;
  /** The centre strip of each frame (one hash per frame, and its flat flags), which finds copies
   *  cropped to a vertical strip; absent from items stored before vdna kept it. */
  strip?: { hashes: Uint32Array; flat: Uint8Array };
  /** Which fingerprint parameters made it; a library must not mix them. */
  fingerprintVersion: string;
  addedAt: string;
  /** The sound track's landmarks, when the media has one. */
  audio?: StoredAudio;
  /** The item's text (subtitles, or a text library's document), when it has any. */
  text?: StoredText;
}

export interface StoredText {
  /** Whether cue times are real; plain text is one cue and its positions count words. */
  timed: boolean;
  cues: Array<{ start: number; end: number; text: string }>;
}

export interface StoredAudio {
  /** Spectrogram frames per second. */
  frameRate: number;
  /** (hash, frame) pairs. */
  landmarks: Uint32Array;
  /** Which audio fingerprint parameters made it. */
  version: string;
}

export type ItemSummary = Omit<StoredItem, 'hashes' | 'flat' | 'strip' | 'audio' | 'text'> & {
  /** Whether the item has a sound fingerprint. */
  hasAudio: boolean;
  /** Whether the item has text (subtitles, a document). */
  hasText: boolean;
  /** Whether the item keeps its frames' centre strip (items stored before vdna kept it do not). */
  hasStrip: boolean;
};

/** What a list shows of a stored item. */
export function summaryOf(item: StoredItem): ItemSummary {
  const { hashes: _h, flat: _f, strip, audio, text, ...summary } = item;
  return { ...summary, hasAudio: audio !== undefined, hasText: text !== undefined, hasStrip: strip !== undefined };
}

/** One page of a library's items in key order; `after` is the last key of the previous page. */
export interface ItemPage {
  limit: number;
  after?: string;
}

export interface LibraryStore {
  libraries(account: string): Promise<LibraryInfo[]>;
  library(account: string, name: string): Promise<LibraryInfo | undefined>;
  libraryById(id: string): Promise<LibraryInfo | undefined>;
  /** Creates a library; undefined when the account has one of that name. */
  createLibrary(account: string, name: string, mediaType: MediaType, description?: string): Promise<LibraryInfo | undefined>;
  deleteLibrary(id: string): Promise<boolean>;
  hasItem(libraryId: string, key: string): Promise<boolean>;
  /** Stores (or with replace, overwrites) an item atomically: all of it or nothing. */
  putItem(libraryId: string, item: StoredItem, replace: boolean): Promise<void>;
  /** Removes the keys in one transaction; true for each key that existed. */
  removeItems(libraryId: string, keys: string[]): Promise<boolean[]>;
  listItems(libraryId: string, page?: ItemPage): Promise<ItemSummary[]>;
  itemSummary(libraryId: string, key: string): Promise<ItemSummary | undefined>;
  loadItems(libraryId: string): Promise<StoredItem[]>;
  /**
   * The changes after `revision` (every item for -1), read at one instant; undefined for a deleted
   * library. With `frames` false, items come without their frame hashes (empty, count kept).
   */
  changesSince(libraryId: string, revision: number, frames?: boolean): Promise<LibraryChanges | undefined>;
}
