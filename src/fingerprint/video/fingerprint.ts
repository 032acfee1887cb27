import { VIDEO_DEFAULTS } from '../../config.js';
import { sampleFrames, type FrameSink, type SampleOptions } from '../../media/decode.js';
import { probe, type MediaInfo } from '../../media/probe.js';
import { VdnaError } from '../../errors.js';
import { contentRect } from './borders.js';
import { lowDct, thresholdHash } from './dct-hash.js';
import { findInset } from './inset.js';
import { CENTRED_BANDS, centredBand, fillBand, findPanels, isPortrait, stripRect } from './layout.js';
import { findOccluder } from './occlusion.js';
import { ORIENTATIONS, orientFrame, type Orientation } from './orientation.js';
import { gridFrameStep, PLACEMENTS, placedRect, placementsAt } from './placements.js';
import { applyMask, inpaint, overlayMask, resample, resampleColumns, resampleRows, stdDev, subRect, type Rect } from './region.js';

/**
 * A video's DNA: one 64-bit hash per sampled frame (per variant, on the query side).
 * Frame k covers media time [k / fps, (k + 1) / fps).
 */
export interface VideoFingerprint {
  fps: number;
  /** Number of sampled frames. */
  count: number;
  /** Hashes per frame: 1 in a library, several (crops, mirror) for a query. */
  variants: number;
  /** (hi, lo) words; hash v of frame k sits at index k * variants + v. */
  hashes: Uint32Array;
  /** 1 where the frame carries no picture information (flat, black) and must not be matched. */
  flat: Uint8Array;
  /** The centre strip of each frame (see stripRect), one hash per frame, and its own flat flags: a
   *  library stores it beside the frame's hash so that a copy cropped to the strip finds its source. */
  strip: { hashes: Uint32Array; flat: Uint8Array };
  /** The variants that show the whole border-free picture (a query's): a copy cropped to a strip is
   *  the library's strip, so these are the ones compared with the library's strips. */
  wholePicture: number[];
  /** 1 where the border-free picture is square or portrait: only such a frame can be a copy cropped
   *  to a strip (a landscape one is compared with the library's strips only by chance). */
  portrait: Uint8Array;
  /** A query's: every step-th frame (gridFrameStep) through the placements of its turn (placementsAt:
   *  where the library's window would lie in a crop); hash p of grid frame g (frame g * step) at index
   *  g * views + p, views = PLACEMENTS.length (the other turns' left 0). */
  placements?: { step: number; views: number; hashes: Uint32Array };
  /** Seconds of video decoded. */
  duration: number;
}

const PANELS = ['panel0', 'panel1', 'panel2', 'panel3', 'panel4', 'panel5'] as const;
/** The quarters of the picture, where a 2 x 2 grid puts its cells, by their corner. */
const QUARTERS = { topLeft: [0, 0], topRight: [1, 0], bottomLeft: [0, 1], bottomRight: [1, 1] } as const;
export type Within = 'inset' | 'band' | keyof typeof CENTRED_BANDS | keyof typeof QUARTERS | (typeof PANELS)[number];

/** One way of looking at a frame: which share of the border-free picture, where, and mirrored or not. */
export interface HashVariant {
  fraction: number;
  /** Placement of the region (see subRect); centred when absent. */
  anchor?: [number, number];
  mirror: boolean;
  /** Taken from a part of the picture found in the query instead of the whole of it: a
   *  picture-in-picture inset, the band over a fill (found by its detail, or where a portrait reframe
   *  centres a 16:9 or 4:3 picture), a panel of a split screen (see layoutAreas);
   *  where there is none, the variant repeats variant 0. */
  within?: Within;
  /** The picture turned first (undoes a rotated or upside-down copy). */
  orient?: Orientation;
  /** A still, flat patch laid over the picture (a box, a sticker: see occlusion.ts) masked out as the
   *  caption band is; where the query shows none, the variant repeats variant 0. */
  hide?: 'occluder';
  /** Instead of a share of the picture, this rectangle in units of it (placements.ts: where the
   *  library's window lies in a cropped copy), the part beyond the picture continued from its edges. */
  placement?: Rect;
}

/** What a library stores: the centred part of the picture, as it is. */
export const LIBRARY_VARIANTS: readonly HashVariant[] = [{ fraction: VIDEO_DEFAULTS.centreFraction, mirror: false }];

/**
 * What a query tries: the library's view (variant 0); wider views that undo a centred crop of up to
 * 1 - centreFraction (the library's centre is a larger share of a cropped picture); the same pushed
 * into each corner, which undoes a crop taken off two sides; views of a picture-in-picture inset, of
 * the band of a reframed copy (found, or centred where reframes put it) and of each panel of a split
 * screen (up to 6: see findPanels); each of these mirrored; the library's view of the picture turned
 * each other way; the library's view with a still, flat patch laid over the copy masked out
 * (occlusion.ts); and the library's view of each quarter of the picture (a 2 x 2 grid's cells).
 */
export const QUERY_VARIANTS: readonly HashVariant[] = (() => {
  const base = VIDEO_DEFAULTS.centreFraction;
  const mid = (base + 1) / 2;
  const views: Array<Omit<HashVariant, 'mirror'>> = [
    { fraction: base },
    { fraction: mid },
    { fraction: 1 },
    ...([[0, 0], [1, 0], [0, 1], [1, 1]] as Array<[number, number]>).map((anchor) => ({ fraction: mid, anchor })),
    { fraction: base, within: 'inset' },
    { fraction: mid, within: 'inset' },
    { fraction: base, within: 'band' },
    { fraction: base, within: 'wide' },
    { fraction: base, within: 'classic' },
    ...PANELS.map((within) => ({ fraction: base, within })),
  ];
  return [
    ...[false, true].flatMap((mirror) => views.map((view) => ({ ...view, mirror }))),
    ...ORIENTATIONS.map((orient) => ({ fraction: base, mirror: false, orient })),
    ...(Object.keys(QUARTERS) as Array<keyof typeof QUARTERS>).map((within) => ({ fraction: base, mirror: false, within })),
    { fraction: base, mirror: false, hide: 'occluder' },
  ];
})();

export interface FingerprintOptions {
  variants?: readonly HashVariant[];
  /** Look at a few frames through every placement (a query's: see placements.ts). */
  placements?: boolean;
  threads?: number;
  onProgress?: (seconds: number, total: number) => void;
  signal?: AbortSignal;
}

/** Which of `variants` show the whole border-free picture, as it is (mirrored or not). */
export const wholePictureVariants = (variants: readonly HashVariant[]) =>
  variants.flatMap((v, i) => (v.fraction === 1 && !v.anchor && !v.within && !v.orient && !v.hide ? [i] : []));

/** Frames judged together for border removal (a scene's worth, short enough to follow changes). */
const BORDER_WINDOW_SECONDS = 30;

/** The parts of the picture the variants ask for (`within`) that this window of frames shows. */
function layoutAreas(frames: Uint8Array[], border: Rect, aspect: number, wanted: ReadonlySet<Within>): Map<Within, Rect> {
  const { thumbSize: size, borderMaxMean: maxMean, borderMaxStd: maxStd } = VIDEO_DEFAULTS;
  const areas = new Map<Within, Rect>();
  const inset = wanted.has('inset') ? findInset(frames, size, border) : undefined;
  if (inset) areas.set('inset', inset);
  const band = wanted.has('band') ? fillBand(frames, size, border) : undefined;
  if (band) areas.set('band', band);
  for (const [name, shape] of Object.entries(CENTRED_BANDS) as Array<[keyof typeof CENTRED_BANDS, number]>) {
    const centred = wanted.has(name) ? centredBand(border, aspect, shape) : undefined;
    if (centred) areas.set(name, centred);
  }
  // A 2 x 2 grid's cells, whether or not its seams show as edges in this window.
  for (const [name, [ax, ay]] of Object.entries(QUARTERS) as Array<[keyof typeof QUARTERS, readonly [number, number]]>) {
    if (wanted.has(name)) areas.set(name, subRect(border, 0.5, ax, ay));
  }
  // A panel has letterbox bars of its own when the copy's shape is not the panel's.
  const panels = PANELS.some((p) => wanted.has(p)) ? findPanels(frames, size, border) : undefined;
  panels?.slice(0, PANELS.length).forEach((panel, i) => areas.set(PANELS[i], contentRect(frames, size, { maxMean, maxStd }, panel)));
  return areas;
}

/** The cells of the n x n grid sampling `sampled` that a hash keeps (1): those whose centres fall outside `hidden`. */
function keptCells(sampled: Rect, hidden: Rect, n: number): Uint8Array {
  const out = new Uint8Array(n * n).fill(1);
  for (let gy = 0; gy < n; gy++) {
    const y = sampled.y + ((gy + 0.5) * sampled.h) / n;
    if (y < hidden.y || y >= hidden.y + hidden.h) continue;
    for (let gx = 0; gx < n; gx++) {
      const x = sampled.x + ((gx + 0.5) * sampled.w) / n;
      if (x >= hidden.x && x < hidden.x + hidden.w) out[gy * n + gx] = 0;
    }
  }
  return out;
}

const viewCoeffs = new Float64Array(64);

/**
 * One view of a thumbnail, as a hash sees it: `rect` resampled to dctSize x dctSize (into `picture`),
 * turned (after resampling: the same area averages as resampling the turned frame, on 32 x 32 pixels
 * instead of 96 x 96), the cells `kept` leaves out filled in from around them, the overlay `mask` applied; its
 * low DCT coefficients (valid until the next call) and, if asked (`judgeFlat`), whether it shows too little
 * to be matched.
 */
function viewCoefficients(
  frame: Uint8Array,
  rect: Rect,
  how: { orient?: Orientation; kept?: Uint8Array; mask?: Uint8Array; judgeFlat?: boolean; within?: Rect; rows?: Float64Array },
  picture: Float64Array<ArrayBuffer>,
): { coeffs: Float64Array; flat: boolean } {
  const { thumbSize, dctSize, flatStdDev } = VIDEO_DEFAULTS;
  if (how.rows) resampleColumns(how.rows, thumbSize, rect, dctSize, picture, how.within);
  else resample(frame, thumbSize, rect, dctSize, picture, how.within);
  if (how.orient) picture.set(orientFrame(picture, dctSize, how.orient));
  if (how.kept) inpaint(picture, dctSize, how.kept);
  if (how.mask) applyMask(picture, how.mask);
  return { coeffs: lowDct(picture, dctSize, viewCoeffs), flat: how.judgeFlat === true && stdDev(picture) < flatStdDev };
}

/** Hashes of one window of frames, written into `fp` from frame index `first`; `aspect`: the picture's shown width over height. */
function hashWindow(frames: Uint8Array[], first: number, border: Rect, aspect: number, variants: readonly HashVariant[], fp: VideoFingerprint): void {
  const areas = layoutAreas(frames, border, aspect, new Set(variants.flatMap((v) => (v.within ? [v.within] : []))));
  const { thumbSize, dctSize, maskBottom, maskCorner } = VIDEO_DEFAULTS;
  const mask = maskBottom > 0 || maskCorner > 0 ? overlayMask(dctSize, maskBottom, maskCorner) : undefined;
  const occluder = variants.some((v) => v.hide) ? findOccluder(frames, thumbSize, border) : undefined;
  // Masks leaving the occluder out, by the rectangle each view samples (the same for every frame).
  const keptMasks = new Map<string, Uint8Array>();
  const picture = new Float64Array(dctSize * dctSize);
  // Mirrored variants reuse the coefficients of their unmirrored twin.
  const coeffsFor = new Map<string, Float64Array>();
  const strip = stripRect(border, aspect);
  const portrait = isPortrait(border, aspect) ? 1 : 0;
  frames.forEach((frame, i) => {
    const k = first + i;
    coeffsFor.clear();
    let flat = true;
    variants.forEach((variant, v) => {
      const within = variant.within && areas.get(variant.within);
      if ((variant.within && !within) || (variant.hide && !occluder)) {
        const at = k * variants.length;
        fp.hashes.copyWithin(2 * (at + v), 2 * at, 2 * at + 2);
        return;
      }
      const placed = variant.placement && Object.values(variant.placement).join(',');
      const view = `${variant.fraction}:${variant.anchor ?? ''}:${variant.within ?? ''}:${variant.orient ?? ''}:${variant.hide ?? ''}:${placed ?? ''}`;
      let c = coeffsFor.get(view);
      if (!c) {
        const rect = variant.placement ? placedRect(border, variant.placement) : subRect(within ?? border, variant.fraction, ...(variant.anchor ?? [0.5, 0.5]));
        let kept: Uint8Array | undefined;
        if (variant.hide && occluder) {
          kept = keptMasks.get(view);
          if (!kept) keptMasks.set(view, (kept = keptCells(rect, occluder, dctSize)));
        }
        const edge = variant.placement && border;
        const seen = viewCoefficients(frame, rect, { orient: variant.orient, kept, mask, judgeFlat: v === 0, within: edge }, picture);
        if (v === 0) flat = seen.flat;
        c = Float64Array.from(seen.coeffs);
        coeffsFor.set(view, c);
      }
      thresholdHash(c, variant.mirror, fp.hashes, k * variants.length + v);
    });
    fp.flat[k] = flat ? 1 : 0;
    fp.portrait[k] = portrait;
    const seen = viewCoefficients(frame, strip, { mask, judgeFlat: true }, picture);
    fp.strip.flat[k] = seen.flat ? 1 : 0;
    thresholdHash(seen.coeffs, false, fp.strip.hashes, k);
  });
}

/** The grid of placements on every grid frame of a window that is not flat, each through its turn's
 *  placements (those over the same columns share resampling's first pass). */
function hashPlacements(frames: Uint8Array[], first: number, border: Rect, fp: VideoFingerprint): void {
  const grid = fp.placements!;
  const { thumbSize, dctSize, maskBottom, maskCorner } = VIDEO_DEFAULTS;
  const mask = overlayMask(dctSize, maskBottom, maskCorner);
  const picture = new Float64Array(dctSize * dctSize);
  const rects = PLACEMENTS.map((placement) => placedRect(border, placement));
  const rowsOf = new Map<string, Float64Array>();
  for (let k = Math.ceil(first / grid.step) * grid.step; k < first + frames.length; k += grid.step) {
    if (fp.flat[k]) continue;
    rowsOf.clear();
    for (const p of placementsAt(k / grid.step)) {
      const rect = rects[p];
      const columns = `${rect.x},${rect.w}`;
      let rows = rowsOf.get(columns);
      if (!rows) rowsOf.set(columns, (rows = resampleRows(frames[k - first], thumbSize, rect, dctSize, border)));
      const seen = viewCoefficients(frames[k - first], rect, { mask, within: border, rows }, picture);
      thresholdHash(seen.coeffs, false, grid.hashes, (k / grid.step) * grid.views + p);
    }
  }
}

/** Words of a grid's hashes for `count` sampled frames. */
const gridWords = (grid: { step: number; views: number }, count: number) => Math.ceil(count / grid.step) * grid.views * 2;

/** Grows the fingerprint's arrays to hold at least `count` frames. */
function ensureCapacity(fp: VideoFingerprint, count: number): void {
  if (fp.flat.length >= count) return;
  const capacity = Math.max(count, fp.flat.length * 2, 64);
  const grown = <T extends Uint32Array | Uint8Array>(a: T, perFrame: number): T => {
    const out = new (a.constructor as new (n: number) => T)(capacity * perFrame);
    out.set(a);
    return out;
  };
  fp.hashes = grown(fp.hashes, fp.variants * 2);
  fp.flat = grown(fp.flat, 1);
  fp.portrait = grown(fp.portrait, 1);
  fp.strip = { hashes: grown(fp.strip.hashes, 2), flat: grown(fp.strip.flat, 1) };
  if (fp.placements) {
    const hashes = fp.placements.hashes;
    fp.placements.hashes = new Uint32Array(gridWords(fp.placements, capacity));
    fp.placements.hashes.set(hashes);
  }
}

/**
 * Averages decoded frames into the sampled frames: sampled frame k is the mean of the `pool` decoded
 * frames (decoded at `oversample` x the sample rate) centred on its interval. Pooling makes a hash
 * describe a moment rather than one instant, so it no longer depends on which source frame the
 * sampling grid happens to hit (an excerpt starts at any phase; re-encodes drop or shift frames).
 */
export class TemporalPool {
  private readonly buffered = new Map<number, Uint8Array>();
  private next = 0;
  private decoded = 0;

  constructor(
    private readonly oversample: number,
    private readonly pool: number,
    private readonly emit: (frame: Uint8Array, index: number) => void,
  ) {}

  private window(k: number): [number, number] {
    const centre = this.oversample * k + (this.oversample - 1) / 2;
    const half = (this.pool - 1) / 2;
    return [Math.max(0, Math.ceil(centre - half - 1e-9)), Math.floor(centre + half + 1e-9)];
  }

  private flushReady(final: boolean): void {
    for (;;) {
      const [from, to] = this.window(this.next);
      if (from >= this.decoded) return;
      if (!final && to >= this.decoded) return;
      const last = Math.min(to, this.decoded - 1);
      const first = this.buffered.get(from)!;
      const sum = new Float32Array(first.length);
      for (let j = from; j <= last; j++) {
        const f = this.buffered.get(j)!;
        for (let i = 0; i < f.length; i++) sum[i] += f[i];
      }
      const n = last - from + 1;
      const out = new Uint8Array(first.length);
      for (let i = 0; i < out.length; i++) out[i] = Math.round(sum[i] / n);
      this.emit(out, this.next++);
      const [keepFrom] = this.window(this.next);
      for (const j of this.buffered.keys()) if (j < keepFrom) this.buffered.delete(j);
      // A final partial interval with less than half its frames is not a sample of its own.
      if (final && this.oversample * this.next + this.oversample / 2 > this.decoded) return;
    }
  }

  push(frame: Uint8Array): void {
    this.buffered.set(this.decoded++, frame);
    this.flushReady(false);
  }

  end(): number {
    this.flushReady(true);
    return this.next;
  }
}

/**
 * A picture fingerprint in the making: the sampling it needs, a sink that hashes the sampled frames as
 * they arrive (memory stays one window of thumbnails), and the fingerprint once they are all in.
 */
export interface FrameFingerprinter {
  sampling: SampleOptions;
  sink: FrameSink;
  end(): VideoFingerprint;
}

export function frameFingerprinter(info: MediaInfo, opts: FingerprintOptions = {}): FrameFingerprinter {
  const variants = opts.variants ?? LIBRARY_VARIANTS;
  const { sampleFps: fps, thumbSize, borderMaxMean, borderMaxStd } = VIDEO_DEFAULTS;
  const { oversample, poolFrames } = VIDEO_DEFAULTS;
  const windowFrames = BORDER_WINDOW_SECONDS * fps;
  const total = info.video?.duration || info.duration;
  const fp: VideoFingerprint = {
    fps,
    count: 0,
    variants: variants.length,
    hashes: new Uint32Array(0),
    flat: new Uint8Array(0),
    strip: { hashes: new Uint32Array(0), flat: new Uint8Array(0) },
    wholePicture: wholePictureVariants(variants),
    portrait: new Uint8Array(0),
    ...(opts.placements && { placements: { step: gridFrameStep(total * fps), views: PLACEMENTS.length, hashes: new Uint32Array(0) } }),
    duration: 0,
  };
  const aspect = info.video?.aspect || 1;
  let window: Uint8Array[] = [];
  let windowStart = 0;
  let lastBorder: Rect | undefined;
  const flush = (final: boolean) => {
    if (window.length === 0) return;
    // A short tail judges its borders badly: it keeps those of the window before it.
    const border =
      final && lastBorder && window.length < windowFrames / 3
        ? lastBorder
        : contentRect(window, thumbSize, { maxMean: borderMaxMean, maxStd: borderMaxStd });
    ensureCapacity(fp, windowStart + window.length);
    hashWindow(window, windowStart, border, aspect, variants, fp);
    if (fp.placements) hashPlacements(window, windowStart, border, fp);
    lastBorder = border;
    windowStart += window.length;
    window = [];
  };
  const pool = new TemporalPool(oversample, poolFrames, (frame) => {
    window.push(frame);
    if (window.length === windowFrames) flush(false);
  });
  return {
    sampling: { fps: fps * oversample, size: thumbSize, threads: opts.threads, signal: opts.signal, onProgress: (s) => opts.onProgress?.(s, total) },
    sink: (frame) => pool.push(frame),
    end() {
      const sampledCount = pool.end();
      flush(true);
      fp.count = sampledCount;
      fp.hashes = fp.hashes.slice(0, fp.count * fp.variants * 2);
      fp.flat = fp.flat.slice(0, fp.count);
      fp.portrait = fp.portrait.slice(0, fp.count);
      fp.strip = { hashes: fp.strip.hashes.slice(0, fp.count * 2), flat: fp.strip.flat.slice(0, fp.count) };
      if (fp.placements) fp.placements.hashes = fp.placements.hashes.slice(0, gridWords(fp.placements, fp.count));
      fp.duration = sampledCount / fps;
      return fp;
    },
  };
}

/** Decodes `info` and hashes its sampled frames as it goes. */
export async function fingerprintMedia(info: MediaInfo, opts: FingerprintOptions = {}): Promise<VideoFingerprint> {
  if (!info.video) throw new VdnaError('NO_VIDEO_STREAM', `no video stream in ${info.path} (audio-only files are not video)`);
  const fingerprinter = frameFingerprinter(info, opts);
  await sampleFrames(info, fingerprinter.sampling, fingerprinter.sink);
  return fingerprinter.end();
}

/** Probes and fingerprints a file. */
export async function fingerprintFile(path: string, opts: FingerprintOptions = {}): Promise<VideoFingerprint> {
  return fingerprintMedia(await probe(path), opts);
}
