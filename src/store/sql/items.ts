/**
 * Library items as rows, for both SQL engines: fingerprints are stored as bytes (little-endian words,
 * flat frames as bits), text as JSON. Booleans are read with Boolean() (SQLite gives 0/1, PostgreSQL true/false).
 */
import { summaryOf, type ItemSummary, type LibraryInfo, type MediaType, type StoredItem } from '../store.js';

function packBits(flags: Uint8Array): Buffer {
  const out = Buffer.alloc(Math.ceil(flags.length / 8));
  flags.forEach((f, i) => {
    if (f) out[i >> 3] |= 1 << (i & 7);
  });
  return out;
}

export function unpackBits(bytes: Buffer, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return out;
}

function wordsToBuffer(words: Uint32Array): Buffer {
  const out = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => out.writeUInt32LE(w, i * 4));
  return out;
}

export function bufferToWords(bytes: Buffer): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
}

export interface ItemRow {
  key: string;
  source: string;
  duration: number;
  fps: number;
  frame_count: number;
  fp_version: string;
  added_at: string;
  hashes?: Buffer;
  flat?: Buffer;
  strip?: Buffer | null;
  audio?: Buffer | null;
  audio_rate?: number | null;
  audio_version?: string | null;
  has_audio?: number | boolean;
  has_text?: number | boolean;
  has_strip?: number | boolean;
  text?: string | null;
}

/** A strip as one value: its hash words, then its flat flags as bits. */
function stripBytes(strip: NonNullable<StoredItem['strip']>): Buffer {
  return Buffer.concat([wordsToBuffer(strip.hashes), packBits(strip.flat)]);
}

function fromStripBytes(bytes: Buffer, count: number): NonNullable<StoredItem['strip']> {
  return { hashes: bufferToWords(bytes.subarray(0, count * 8)), flat: unpackBits(bytes.subarray(count * 8), count) };
}

export function toItem(row: ItemRow): StoredItem {
  return {
    key: row.key,
    source: row.source,
    duration: row.duration,
    fps: row.fps,
    count: row.frame_count,
    hashes: row.hashes ? bufferToWords(row.hashes) : new Uint32Array(0),
    flat: row.flat ? unpackBits(row.flat, row.frame_count) : new Uint8Array(0),
    ...(row.strip && { strip: fromStripBytes(row.strip, row.frame_count) }),
    fingerprintVersion: row.fp_version,
    addedAt: row.added_at,
    ...(row.audio && { audio: { frameRate: row.audio_rate!, landmarks: bufferToWords(row.audio), version: row.audio_version! } }),
    ...(row.text && { text: JSON.parse(row.text) }),
  };
}

/** The columns of a page of items (no fingerprints), in key order after `after`. */
export const SUMMARY_COLUMNS =
  'key, source, duration, fps, frame_count, fp_version, added_at, audio IS NOT NULL AS has_audio, text IS NOT NULL AS has_text, strip IS NOT NULL AS has_strip';

export function toSummary(row: ItemRow): ItemSummary {
  // The row has no fingerprints: what it has of them comes as the summary columns' flags.
  return { ...summaryOf(toItem(row)), hasAudio: Boolean(row.has_audio), hasText: Boolean(row.has_text), hasStrip: Boolean(row.has_strip) };
}

/** The columns an item is read with: all, or all but its frame hashes. */
export const itemColumns = (frames = true) =>
  frames ? '*' : 'key, source, duration, fps, frame_count, fp_version, added_at, audio, audio_rate, audio_version, text';

/** The columns an item is written with, and its values in that order. */
export const ITEM_COLUMNS = 'library, key, source, duration, fps, frame_count, hashes, flat, strip, fp_version, added_at, audio, audio_rate, audio_version, text, revision';
export const ITEM_PLACEHOLDERS = ITEM_COLUMNS.split(',').map(() => '?').join(', ');

export function itemValues(library: string, item: StoredItem, revision: number): unknown[] {
  return [
    library,
    item.key,
    item.source,
    item.duration,
    item.fps,
    item.count,
    wordsToBuffer(item.hashes),
    packBits(item.flat),
    item.strip ? stripBytes(item.strip) : null,
    item.fingerprintVersion,
    item.addedAt,
    item.audio ? wordsToBuffer(item.audio.landmarks) : null,
    item.audio?.frameRate ?? null,
    item.audio?.version ?? null,
    item.text ? JSON.stringify(item.text) : null,
    revision,
  ];
}

/** Libraries with their item count and stored seconds (`where` on `l`, `?` arguments). */
export const LIBRARY_SUMMARY = (where: string) => `SELECT l.id, l.account, l.name, l.media_type, l.description, l.created_at, l.revision,
       COUNT(i.key) AS item_count, COALESCE(SUM(i.duration), 0) AS duration
  FROM libraries l LEFT JOIN items i ON i.library = l.id
 WHERE ${where}
 GROUP BY l.id ORDER BY l.name`;

export function toLibrary(row: Record<string, unknown>): LibraryInfo {
  return {
    id: row.id as string,
    account: row.account as string,
    name: row.name as string,
    mediaType: row.media_type as MediaType,
    description: row.description as string,
    createdAt: row.created_at as string,
    itemCount: Number(row.item_count),
    duration: Number(row.duration),
    revision: Number(row.revision),
  };
}
