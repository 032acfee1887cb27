import { homedir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_DEFAULTS, VIDEO_DEFAULTS } from './config.js';
import { fingerprintAudio, libraryLandmarks, type AudioFingerprint } from './fingerprint/audio/fingerprint.js';
import { VdnaError } from './errors.js';
import { fingerprintMedia, QUERY_VARIANTS, type VideoFingerprint } from './fingerprint/video/fingerprint.js';
import { LibraryIndex, type LibrarySearchOptions } from './index/library-index.js';
import { probe, type MediaInfo } from './media/probe.js';
import { embeddedSubtitles, isTextFile, readText, sidecarSubtitles } from './media/subtitles.js';
import { fingerprintText, SHINGLE_WORDS, type TextFingerprint } from './fingerprint/text/shingles.js';
import type { Match } from './match/search.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { ItemPage, ItemSummary, LibraryInfo, MediaType, Store, StoredItem } from './store/store.js';

/** The data directory: --data, else $VDNA_DATA, else ~/.local/share/vdna (or $XDG_DATA_HOME/vdna). */
export function defaultDataDir(): string {
  if (process.env.VDNA_DATA) return process.env.VDNA_DATA;
  const xdg = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(xdg, 'vdna');
}

/** Names the sampling and hashing parameters, so that a library never mixes incompatible hashes. */
export const AUDIO_FINGERPRINT_VERSION = (() => {
  const a = AUDIO_DEFAULTS;
  return `audio-lm-v1:sr${a.sampleRate}:n${a.fftSize}/${a.hop}:hz${a.minHz}-${a.maxHz}:p${a.peakFreqRadius}/${a.peakTimeRadius}/${a.peaksPerSecond}:f${a.fanout}:dt${a.maxDt}:o${a.maxOctaves}:q${a.f1Steps}/${a.dfSteps}`;
})();

/** A media file's DNA: picture and sound, each when the file has a usable one. */
export interface MediaFingerprint {
  duration: number;
  /** The file is a still picture (a query only). */
  still?: boolean;
  text?: TextFingerprint;
  video?: VideoFingerprint;
  audio?: AudioFingerprint;
}

export const FINGERPRINT_VERSION = (() => {
  const v = VIDEO_DEFAULTS;
  return `video-dct64-v1:fps${v.sampleFps}x${v.oversample}p${v.poolFrames}:t${v.thumbSize}:d${v.dctSize}:c${v.centreFraction}:m${v.maskBottom}/${v.maskCorner}:f${v.flatStdDev}:b${v.borderMaxMean}/${v.borderMaxStd}`;
})();

/** Names of libraries and queues: 1-64 letters, digits, '.', '_' or '-', not starting with a sign. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_KEY_LENGTH = 256;

export interface ProgressOptions {
  /** Media seconds decoded so far, and the media's duration (0 when unknown). */
  onProgress?: (seconds: number, total: number) => void;
  signal?: AbortSignal;
}

export interface AddOptions extends ProgressOptions {
  /** Replace an existing item with the same key instead of failing. */
  force?: boolean;
}

export interface SearchResult {
  Matches: Match[];
}

export function checkLibraryName(name: string): void {
  if (!NAME.test(name)) {
    throw new VdnaError('INVALID_ARGUMENT', `invalid library name "${name}": use 1-64 letters, digits, '.', '_' or '-'`);
  }
}

export function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new VdnaError('INVALID_ARGUMENT', `a primary key must be 1-${MAX_KEY_LENGTH} characters`);
  }
}

/**
 * Whether a library of `mediaType` can take the file, to store it or (`forSearch`) to search with it:
 * text files for text libraries and as queries to video libraries; stills for image libraries and as
 * queries to video libraries; a sound track for audio libraries; a picture to store in a video library
 * (a query may be sound only). Resolves with the probe of a media file, undefined for a text file.
 * The one place these rules live: the API checks uploads with it before a job queues.
 */
export async function admitMedia(path: string, mediaType: MediaType, forSearch: boolean): Promise<MediaInfo | undefined> {
  if (await isTextFile(path, mediaType === 'text')) {
    if (mediaType === 'audio' || (mediaType === 'video' && !forSearch)) {
      throw new VdnaError('WRONG_MEDIA_TYPE', `${path} is text: it can be stored in a text library, or search a video or text library`);
    }
    return undefined;
  }
  const info = await probe(path);
  // A text library takes media for their subtitles, which are looked for when fingerprinting.
  if (mediaType === 'text') return info;
  if (mediaType === 'image' && !info.still && (!forSearch || !info.video)) {
    throw new VdnaError('WRONG_MEDIA_TYPE', `${path} is not a still picture; an image library stores pictures (JPEG, PNG, WebP...)`);
  }
  if (info.still && mediaType !== 'image' && (!forSearch || mediaType !== 'video')) {
    throw new VdnaError('WRONG_MEDIA_TYPE', `${path} is a still picture: it can be stored in an image library, or search a video or image library`);
  }
  if (mediaType === 'audio' && !info.audio) throw new VdnaError('NO_AUDIO_STREAM', `no audio stream in ${path}; this library holds audio`);
  if (mediaType === 'video' && !info.video && (!forSearch || !info.audio)) {
    throw new VdnaError('NO_VIDEO_STREAM', `no video stream in ${path}; this library holds video`);
  }
  return info;
}

/** vdna as a library: DNA libraries on a store, media added and searched by file path. */
export class Vdna {
  readonly store: Store;
  /** Loaded library indexes, kept current by put and remove. */
  private readonly indexes = new Map<string, LibraryIndex>();

  constructor(opts: { dataDir?: string; store?: Store } = {}) {
    this.store = opts.store ?? new SqliteStore(opts.dataDir ?? defaultDataDir());
  }

  libraries(): LibraryInfo[] {
    return this.store.libraries();
  }

  library(name: string): LibraryInfo {
    checkLibraryName(name);
    const lib = this.store.library(name);
    if (!lib) throw new VdnaError('UNKNOWN_LIBRARY', `no library named "${name}"`);
    return lib;
  }

  /** Creates a library, or returns the existing one of that name. */
  createLibrary(name: string, description = '', mediaType: MediaType = 'video'): LibraryInfo {
    checkLibraryName(name);
    return this.store.createLibrary(name, mediaType, description);
  }

  /** The library, which must hold video, audio or text: the media types fingerprinted so far. */
  mediaLibrary(name: string): LibraryInfo {
    const lib = this.library(name);
    return lib;
  }

  deleteLibrary(name: string): void {
    this.library(name);
    this.store.deleteLibrary(name);
    this.indexes.delete(name);
  }

  list(library: string, page?: ItemPage): ItemSummary[] {
    this.library(library);
    return this.store.listItems(library, page);
  }

  /**
   * Fingerprints a file for a library of `mediaType`: picture (with every query variant when it is to
   * be searched) and sound, in parallel, and text (embedded subtitles, or a sidecar .srt/.vtt beside
   * it). Stored video needs a picture; stored audio, a sound track; a query to a video library may
   * have any of the three. A text file (subtitles, timed-text JSON, plain text) gives text only: it is
   * stored in text libraries and searches video and text libraries.
   */
  async fingerprint(path: string, opts: ProgressOptions & { forSearch: boolean; mediaType?: MediaType }): Promise<MediaFingerprint> {
    const mediaType = opts.mediaType ?? 'video';
    const info = await admitMedia(path, mediaType, opts.forSearch);
    // Subtitles, timed text and plain text: text DNA only.
    if (!info) {
      const { cues, timed } = await readText(path);
      const text = fingerprintText(cues, timed);
      if (text.shingles.length === 0) throw new VdnaError('TOO_SHORT', `${path} has fewer than ${SHINGLE_WORDS} words`);
      return { duration: timed ? Math.max(...cues.map((c) => c.end)) : 0, text };
    }
    const cues = [...(await embeddedSubtitles(info)), ...(await sidecarSubtitles(path))].sort((a, b) => a.start - b.start);
    const subtitles = cues.length ? fingerprintText(cues, true) : undefined;
    if (mediaType === 'text') {
      if (!subtitles) throw new VdnaError('NOT_MEDIA', `no text in ${path}: no subtitle stream and no sidecar .srt/.vtt`);
      return { duration: Math.max(...cues.map((c) => c.end)), text: subtitles };
    }
    const withVideo = (mediaType === 'video' || mediaType === 'image') && info.video !== undefined;
    const [video, audio] = await Promise.all([
      withVideo
        ? fingerprintMedia(info, { variants: opts.forSearch ? QUERY_VARIANTS : undefined, onProgress: opts.onProgress, signal: opts.signal })
        : undefined,
      info.audio && mediaType !== 'image'
        ? fingerprintAudio(info, {
            shifts: opts.forSearch ? AUDIO_DEFAULTS.queryShifts : 1,
            signal: opts.signal,
            onProgress: withVideo ? undefined : opts.onProgress,
          })
        : undefined,
    ]);
    const usableVideo = video && !video.flat.every((f) => f === 1) ? video : undefined;
    const usableAudio = audio && audio.landmarks.count > 0 ? audio : undefined;
    if (withVideo && !usableVideo && (!opts.forSearch || !usableAudio)) {
      throw new VdnaError('TOO_SHORT', `no usable picture in ${path}: every sampled frame is blank`);
    }
    if (mediaType === 'audio' && !usableAudio) throw new VdnaError('TOO_SHORT', `no usable sound in ${path}: silent or too short`);
    return {
      duration: Math.max(video?.duration ?? 0, audio?.duration ?? 0),
      video: usableVideo,
      audio: usableAudio,
      still: info.still,
      ...(mediaType === 'video' && subtitles && { text: subtitles }),
    };
  }

  /** The item a library stores for a fingerprint; a query's picture gives its variant 0, the library's view. */
  itemOf(key: string, source: string, fp: MediaFingerprint): StoredItem {
    checkKey(key);
    const v = fp.video;
    // A picture is stored as one frame, an instant (its clip repeats it).
    const count = fp.still ? Math.min(1, v?.count ?? 0) : (v?.count ?? 0);
    let hashes = v?.hashes ?? new Uint32Array(0);
    if (v && (v.variants > 1 || count < v.count)) {
      hashes = new Uint32Array(count * 2);
      for (let k = 0; k < count; k++) {
        hashes[2 * k] = v.hashes[2 * k * v.variants];
        hashes[2 * k + 1] = v.hashes[2 * k * v.variants + 1];
      }
    }
    return {
      key,
      source,
      duration: fp.still ? 0 : fp.duration,
      fps: v?.fps ?? 0,
      count,
      hashes,
      flat: v?.flat.slice(0, count) ?? new Uint8Array(0),
      fingerprintVersion: FINGERPRINT_VERSION,
      addedAt: new Date().toISOString(),
      ...(fp.audio && { audio: { frameRate: fp.audio.frameRate, landmarks: libraryLandmarks(fp.audio), version: AUDIO_FINGERPRINT_VERSION } }),
      ...(fp.text && { text: { timed: fp.text.timed, cues: fp.text.cues } }),
    };
  }

  /** Stores an item (in the caller's transaction, if any), creating a video library if needed. */
  put(library: string, item: StoredItem, replace = false): ItemSummary {
    checkLibraryName(library);
    if (this.store.library(library)) this.mediaLibrary(library);
    else this.store.createLibrary(library, 'video');
    this.store.putItem(library, item, replace);
    this.indexes.get(library)?.put(item);
    const { hashes: _h, flat: _f, audio, text, ...summary } = item;
    return { ...summary, hasAudio: audio !== undefined, hasText: text !== undefined };
  }

  /** Fingerprints a file and stores it under `key`, creating the library if needed. All or nothing. */
  async add(library: string, path: string, key: string, opts: AddOptions = {}): Promise<ItemSummary> {
    checkLibraryName(library);
    checkKey(key);
    if (!opts.force && this.store.hasItem(library, key)) {
      throw new VdnaError('DUPLICATE_KEY', `key "${key}" already exists in library "${library}" (use --force to replace it)`);
    }
    const mediaType = this.store.library(library) ? this.mediaLibrary(library).mediaType : 'video';
    const fp = await this.fingerprint(path, { forSearch: false, mediaType, onProgress: opts.onProgress, signal: opts.signal });
    return this.put(library, this.itemOf(key, path, fp), opts.force ?? false);
  }

  remove(library: string, key: string): void {
    const [removed] = this.removeMany(library, [key]);
    if (!removed) throw new VdnaError('UNKNOWN_KEY', `no key "${key}" in library "${library}"`);
  }

  /** Removes the keys in one transaction; true for each key that existed. */
  removeMany(library: string, keys: string[]): boolean[] {
    this.library(library);
    const removed = this.store.transaction(() => keys.map((key) => this.store.removeItem(library, key)));
    const index = this.indexes.get(library);
    keys.forEach((key, i) => removed[i] && index?.remove(key));
    return removed;
  }

  /** The in-memory index of a library, loaded once and kept until the library changes. */
  /**
   * Forgets a loaded index, so that the next search reloads it from the store. For callers whose
   * transaction around put or remove rolled back after the index had been updated.
   */
  forgetIndex(library: string): void {
    this.indexes.delete(library);
  }

  index(library: string): LibraryIndex {
    this.mediaLibrary(library);
    let index = this.indexes.get(library);
    if (!index) {
      const items = this.store.loadItems(library);
      const stale = items.find(
        (i) => (i.count > 0 && i.fingerprintVersion !== FINGERPRINT_VERSION) || (i.audio && i.audio.version !== AUDIO_FINGERPRINT_VERSION),
      );
      if (stale) {
        throw new VdnaError(
          'INVALID_ARGUMENT',
          `library "${library}" holds fingerprints of another version (${stale.fingerprintVersion} ${stale.audio?.version ?? ''}); re-add its media`,
        );
      }
      index = new LibraryIndex(items, this.library(library).mediaType === 'image');
      this.indexes.set(library, index);
    }
    return index;
  }

  /** Every item of the library that the file shares content with, with the matching segments. */
  async search(library: string, path: string, opts: ProgressOptions & LibrarySearchOptions = {}): Promise<SearchResult> {
    const index = this.index(library);
    const { mediaType } = this.library(library);
    const fp = await this.fingerprint(path, { forSearch: true, mediaType, onProgress: opts.onProgress, signal: opts.signal });
    return { Matches: index.search(fp, opts) };
  }

  /** Searches a library with a query fingerprint made by `fingerprint(path, { forSearch: true })`. */
  searchFingerprint(library: string, fp: MediaFingerprint, opts: LibrarySearchOptions = {}): Match[] {
    return this.index(library).search(fp, opts);
  }

  close(): void {
    this.store.close();
  }
}
