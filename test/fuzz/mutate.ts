/**
 * Deterministic mutators over real media files, for the fuzz suites. Each takes bytes and returns new
 * bytes (the input is never changed); randomness comes from a seeded generator, so a seed names a
 * corpus of mutants exactly. Header patches walk the container's own structure (MP4 boxes, RIFF
 * chunks, EBML elements, PNG/JPEG segments) and throw when the field is not there, so a mutant named
 * "inflated width" really claims the inflated width.
 */
import { rng } from '../../bench/random.js';

/** A seeded source of integers, picks and bytes. */
export class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = rng(seed);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return this.next() % Math.max(1, Math.floor(n));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

// ---- Whole-file damage ----------------------------------------------------------------------------

/** The first `fraction` of the file. */
export const truncate = (buf: Buffer, fraction: number) => Buffer.from(buf.subarray(0, Math.floor(buf.length * fraction)));

/** `count` random bits flipped within [from, to) (default: anywhere). */
export function flipBits(buf: Buffer, count: number, rand: Rand, from = 0, to = buf.length): Buffer {
  const out = Buffer.from(buf);
  const end = Math.min(to, out.length);
  for (let i = 0; i < count; i++) out[from + rand.int(end - from)] ^= 1 << rand.int(8);
  return out;
}

/** `length` bytes from `start` set to zero. */
export function zeroRange(buf: Buffer, start: number, length: number): Buffer {
  const out = Buffer.from(buf);
  out.fill(0, start, Math.min(out.length, start + length));
  return out;
}

/** The head of one container up to `fraction` of its length, then the other's tail from the same fraction of its own. */
export const splice = (head: Buffer, tail: Buffer, fraction: number) =>
  Buffer.concat([head.subarray(0, Math.floor(head.length * fraction)), tail.subarray(Math.floor(tail.length * fraction))]);

/** A valid magic number (a format's signature) followed by random bytes. */
export const MAGIC = {
  mp4: Buffer.from('0000001c6674797069736f6d0000020069736f6d69736f32', 'hex'), // ftyp isom
  webm: Buffer.from('1a45dfa3', 'hex'),
  avi: Buffer.concat([Buffer.from('RIFF'), Buffer.from('ffffff00', 'hex'), Buffer.from('AVI LIST')]),
  wav: Buffer.concat([Buffer.from('RIFF'), Buffer.from('ffffff00', 'hex'), Buffer.from('WAVEfmt ')]),
  png: Buffer.from('89504e470d0a1a0a', 'hex'),
  ogg: Buffer.from('OggS\0\x02', 'latin1'),
} as const;
export const magicJunk = (magic: Buffer, length: number, rand: Rand) => Buffer.concat([magic, rand.bytes(length)]);

// ---- MP4 / QuickTime: boxes -----------------------------------------------------------------------

interface Box {
  type: string;
  /** Offset of the box's body (after size and type). */
  body: number;
  end: number;
}

const MP4_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'dinf']);
const VISUAL_ENTRIES = new Set(['avc1', 'avc3', 'hvc1', 'hev1', 'mp4v', 'vp09', 'av01', 'jpeg', 'mjpa']);

/** Every box, depth first, through the containers that lead to the track headers and sample entries. */
function* mp4Boxes(buf: Buffer, start = 0, end = buf.length): Generator<Box> {
  for (let at = start; at + 8 <= end; ) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) return;
    yield { type, body: at + header, end: at + size };
    if (MP4_CONTAINERS.has(type)) yield* mp4Boxes(buf, at + header, at + size);
    // stsd: version/flags and an entry count, then the sample entries.
    if (type === 'stsd') yield* mp4Boxes(buf, at + header + 8, at + size);
    at += size;
  }
}

/**
 * Rewrites an MP4's header fields: `width`/`height` in every track header (tkhd, 16.16 fixed point)
 * and visual sample entry (avc1...), `duration` (in units of the box's timescale, after `timescale` if
 * given) in the movie and media headers (mvhd, mdhd).
 */
export function patchMp4(buf: Buffer, p: { width?: number; height?: number; duration?: number; timescale?: number }): Buffer {
  const out = Buffer.from(buf);
  let patched = 0;
  for (const box of mp4Boxes(out)) {
    const v1 = out[box.body] === 1;
    if ((box.type === 'mvhd' || box.type === 'mdhd') && (p.duration !== undefined || p.timescale !== undefined)) {
      const scaleAt = box.body + (v1 ? 20 : 12);
      if (p.timescale !== undefined) out.writeUInt32BE(p.timescale, scaleAt);
      if (p.duration !== undefined) v1 ? out.writeBigUInt64BE(BigInt(p.duration), scaleAt + 4) : out.writeUInt32BE(p.duration, scaleAt + 4);
      patched++;
    } else if (box.type === 'tkhd' && p.width !== undefined && out.readUInt32BE(box.body + (v1 ? 88 : 76)) !== 0) {
      // Only tracks with a picture (a sound track's tkhd says 0x0).
      out.writeUInt32BE((p.width & 0xffff) * 0x10000, box.body + (v1 ? 88 : 76));
      out.writeUInt32BE(((p.height ?? p.width) & 0xffff) * 0x10000, box.body + (v1 ? 92 : 80));
      patched++;
    } else if (VISUAL_ENTRIES.has(box.type) && p.width !== undefined) {
      out.writeUInt16BE(p.width & 0xffff, box.body + 24);
      out.writeUInt16BE((p.height ?? p.width) & 0xffff, box.body + 26);
      patched++;
    }
  }
  if (!patched) throw new Error('patchMp4: no header field to patch (moov missing?)');
  return out;
}

// ---- RIFF: WAV and AVI ----------------------------------------------------------------------------

interface Chunk {
  id: string;
  body: number;
  size: number;
}

function* riffChunks(buf: Buffer, start = 0, end = buf.length): Generator<Chunk> {
  for (let at = start; at + 8 <= end; ) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    yield { id, body: at + 8, size };
    // RIFF and LIST bodies open with a form type, then hold chunks.
    if (id === 'RIFF' || id === 'LIST') yield* riffChunks(buf, at + 12, Math.min(end, at + 8 + size));
    at += 8 + size + (size & 1);
  }
}

function riffChunk(buf: Buffer, id: string, which = 0): Chunk {
  const found = [...riffChunks(buf)].filter((c) => c.id === id)[which];
  if (!found) throw new Error(`no RIFF chunk "${id}"`);
  return found;
}

/** A WAV that claims `dataSize` bytes of samples, and/or another sample rate (the byte rate follows). */
export function patchWav(buf: Buffer, p: { dataSize?: number; sampleRate?: number }): Buffer {
  const out = Buffer.from(buf);
  if (p.dataSize !== undefined) out.writeUInt32LE(p.dataSize >>> 0, riffChunk(out, 'data').body - 4);
  if (p.sampleRate !== undefined) {
    const fmt = riffChunk(out, 'fmt ').body;
    out.writeUInt32LE(p.sampleRate, fmt + 4);
    out.writeUInt32LE(p.sampleRate * out.readUInt16LE(fmt + 12), fmt + 8); // byte rate = rate x block align
  }
  return out;
}

/** An AVI claiming another picture size (main header and the video stream's BITMAPINFOHEADER) and/or frame count. */
export function patchAvi(buf: Buffer, p: { width?: number; height?: number; frames?: number }): Buffer {
  const out = Buffer.from(buf);
  const avih = riffChunk(out, 'avih').body;
  const strh = riffChunk(out, 'strh').body; // the first stream: the video one in the corpus's AVIs
  if (out.toString('latin1', strh, strh + 4) !== 'vids') throw new Error('patchAvi: the first stream is not video');
  const strf = riffChunk(out, 'strf').body;
  if (p.width !== undefined) {
    out.writeUInt32LE(p.width, avih + 32);
    out.writeUInt32LE(p.height ?? p.width, avih + 36);
    out.writeInt32LE(p.width, strf + 4);
    out.writeInt32LE(p.height ?? p.width, strf + 8);
  }
  if (p.frames !== undefined) {
    out.writeUInt32LE(p.frames, avih + 16);
    out.writeUInt32LE(p.frames, strh + 32); // dwLength, in units of dwScale/dwRate
  }
  return out;
}

// ---- Matroska / WebM: EBML ------------------------------------------------------------------------

/** A variable-length integer at `at`: its value and length (the ID form keeps the marker bit). */
function vint(buf: Buffer, at: number, keepMarker: boolean): { value: number; length: number } {
  const first = buf[at];
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  let value = keepMarker ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + buf[at + i];
  const unknown = !keepMarker && value === 2 ** (7 * length) - 1;
  return { value: unknown ? Infinity : value, length };
}

const EBML = { Segment: 0x18538067, Info: 0x1549a966, Tracks: 0x1654ae6b, TrackEntry: 0xae, Video: 0xe0, Duration: 0x4489, PixelWidth: 0xb0, PixelHeight: 0xba };
const EBML_MASTERS = new Set([EBML.Segment, EBML.Info, EBML.Tracks, EBML.TrackEntry, EBML.Video]);

/** Elements of the header path to Duration and the pixel size (clusters are skipped by their size). */
function* ebmlElements(buf: Buffer, start = 0, end = buf.length): Generator<{ id: number; body: number; size: number }> {
  for (let at = start; at < end; ) {
    const id = vint(buf, at, true);
    const size = vint(buf, at + id.length, false);
    const body = at + id.length + size.length;
    const stop = Math.min(end, body + size.value);
    yield { id: id.value, body, size: stop - body };
    if (EBML_MASTERS.has(id.value)) yield* ebmlElements(buf, body, stop);
    if (!Number.isFinite(size.value)) return;
    at = stop;
  }
}

/** A Matroska/WebM claiming another duration (Info/Duration, in its timecode units) and/or picture size. */
export function patchMkv(buf: Buffer, p: { width?: number; height?: number; duration?: number }): Buffer {
  const out = Buffer.from(buf);
  const fields = [
    [EBML.Duration, p.duration],
    [EBML.PixelWidth, p.width],
    [EBML.PixelHeight, p.height ?? p.width],
  ] as const;
  for (const [id, value] of fields) {
    if (value === undefined) continue;
    const el = [...ebmlElements(out)].find((e) => e.id === id);
    if (!el) throw new Error(`patchMkv: no element 0x${id.toString(16)}`);
    if (id === EBML.Duration) el.size === 8 ? out.writeDoubleBE(value, el.body) : out.writeFloatBE(value, el.body);
    else out.writeUIntBE(Math.min(value, 2 ** (8 * el.size) - 1), el.body, el.size);
  }
  return out;
}

// ---- Still pictures: PNG and JPEG -----------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG whose IHDR claims `width` x `height`, with a valid CRC (so only the size is a lie). */
export function patchPng(buf: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(buf);
  if (out.toString('latin1', 12, 16) !== 'IHDR') throw new Error('patchPng: no IHDR');
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** A JPEG whose frame header (SOFn) claims `width` x `height` (at most 65535 each). */
export function patchJpeg(buf: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(buf);
  for (let at = 2; at + 4 <= out.length && out[at] === 0xff; at += 2 + out.readUInt16BE(at + 2)) {
    const marker = out[at + 1];
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
  }
  throw new Error('patchJpeg: no SOF segment');
}
