/**
 * Every tunable of the video pipeline in one table, with its meaning. Index and query must agree on
 * the sampling and hashing values, so they are stored with each library item (see store/).
 * Matching thresholds were tuned on the "tune" half of the benchmark corpus (bench/corpus.ts) and are
 * reported on the other half.
 */
export const VIDEO_DEFAULTS = {
  /** Frames sampled per second of video, on both the library and the query side. */
  sampleFps: 4,
  /** Frames are decoded at oversample x sampleFps and pooled (averaged) into each sample... */
  oversample: 3,
  /** ...over this many decoded frames centred on the sample's interval (see TemporalPool). */
  poolFrames: 9,
  /** Side of the square grey thumbnail ffmpeg hands us for each sampled frame (aspect is squashed). */
  thumbSize: 96,
  /** Side of the square the hashed region is resampled to before the DCT (pHash/PDQ use 32/64). */
  dctSize: 32,
  /** Fraction of the (border-free) picture, centred, that the library hash covers; leaves room for
   *  query-side crops of up to 1 - centreFraction and keeps corner logos out of the hash. */
  centreFraction: 0.8,
  /** Shares of the hashed region left out of the hash, where re-uploads add captions (a band along
   *  the bottom) and logos (the top corners); see overlayMask. */
  maskBottom: 0.22,
  maskCorner: 0.22,
  /** Frames whose hashed region has a grey standard deviation below this carry no information
   *  (black, white, flat colour) and are neither indexed nor matched. */
  flatStdDev: 6,
  /** A row/column of the thumbnail is border (letterbox/pillarbox) when its mean and its spread stay
   *  below these over the analysed window. */
  borderMaxMean: 28,
  borderMaxStd: 10,
};

export interface MatchParams {
  matchDistance: number;
  mismatchFloor: number;
  skipCost: number;
  maxSkipRun: number;
  minSegmentScore: number;
  minSegmentSeconds: number;
  minSegmentSimilarity: number;
  minStaticSimilarity: number;
  edgeDistance: number;
  minLooks: number;
  lookDistance: number;
  maxSegmentsPerItem: number;
}

/** Chosen with `npm run bench:tune` on the tune half: of the settings with the best F1 and no false
 *  match there, the one with the widest margin (highest similarity floor). */
export const MATCH_DEFAULTS: MatchParams = {
  /** Hamming distance (of 64) at which a frame pair stops counting as evidence: below it a pair adds
   *  score, above it subtracts. */
  matchDistance: 18,
  /** Lowest per-frame score (the cost of an unrelated frame inside a segment). */
  mismatchFloor: -1,
  /** Cost of skipping one sampled frame on either side (absorbs speed change 0.8-1.25x). */
  skipCost: 0.15,
  /** Most frames skipped in a row: enough for frame drops and 0.8-1.25x speed, too few to bridge
   *  a jump in the master or inserted material (those make separate segments). */
  maxSkipRun: 2,
  /** A segment is reported only when its alignment score reaches this value... */
  minSegmentScore: 6,
  /** ...it lasts at least this many seconds on the query side... */
  minSegmentSeconds: 2,
  /** ...and its mean frame similarity (0 = unrelated, 1 = identical) reaches this when the master
   *  segment shows at least minLooks different pictures (hashes lookDistance bits apart)... */
  minSegmentSimilarity: 0.5,
  minLooks: 4,
  lookDistance: 10,
  /** ...or this when it is (nearly) one static shot: two static shots can look alike by chance. */
  minStaticSimilarity: 0.65,
  /** A segment's first and last frames are pairs at most this far apart (and near its own typical
   *  distance): a path that wandered on through frames flat on one side, or ended on a chance
   *  likeness, is cut back to its last sure pair. */
  edgeDistance: 14,
  /** Largest number of segments reported per library item. */
  maxSegmentsPerItem: 20,
};

/** Inputs vdna refuses before decoding. */
/** Audio landmarks (Wang 2003): spectral peaks paired into (f1, f2 - f1, dt) hashes, on a log-frequency axis. */
export const AUDIO_DEFAULTS = {
  /** Mono resampling rate: 8 kHz keeps the 250-3900 Hz band that survives low-bitrate codecs and phones. */
  sampleRate: 8000,
  fftSize: 512,
  /** Samples between spectrogram frames: 32 ms. */
  hop: 256,
  minHz: 250,
  maxHz: 3900,
  /** A peak is the largest magnitude within +-freqRadius bins and +-timeRadius frames. */
  peakFreqRadius: 6,
  peakTimeRadius: 5,
  /** Strongest peaks kept per second (relative, so loudness and noise level do not matter). */
  peaksPerSecond: 20,
  /** A query keeps more, so that enough of the master's peaks survive among those that noise adds. */
  queryPeaksPerSecond: 20,
  /** Targets paired with each anchor peak, nearest in time first. */
  fanout: 3,
  /** Pairs span 1..maxDt frames (1.5 s) and at most maxOctaves apart in frequency. */
  maxDt: 47,
  maxOctaves: 2,
  /** Hash resolution of the anchor frequency and of the frequency difference, in steps per octave. */
  f1Steps: 16,
  dfSteps: 32,
  /** Analysis grids a query is fingerprinted on (a library uses one); see AudioFingerprintOptions. */
  queryShifts: 4,
};

/** Audio matching: offset votes, then segments from the landmarks that agree. */
export const AUDIO_MATCH_DEFAULTS = {
  /** Speed factors tried on the query, both as tempo alone and as tempo with pitch (resampled). */
  speeds: [0.95, 0.967, 0.983, 1, 1.017, 1.033, 1.05],
  /** Landmarks agreeing on an offset (+-1 frame) needed to report an item. */
  minVotes: 10,
  /** Matched landmarks further apart than this (seconds) split a segment. */
  maxGapSeconds: 3,
  minSegmentSeconds: 3,
  /** Share of the query's landmarks in a segment that must be found in the master. */
  minSegmentSimilarity: 0.03,
  maxSegmentsPerItem: 10,
};

/** A limit from the environment (a documented setting), else its default. */
const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/**
 * VDNA_DECODER_THREADS: threads of each ffmpeg decoder (0: ffmpeg decides, about one per core). A
 * server's worker pool sets it to its share of the cores for its workers (one each when there are as
 * many workers as cores): several decoders each on every core only contend.
 */
export const decoderThreads = () => {
  const value = Number(process.env.VDNA_DECODER_THREADS);
  return Number.isInteger(value) && value >= 0 ? value : 0;
};

/** What a media file may be, each over its limit refused with TOO_LARGE before decoding. */
export const LIMITS = {
  /** VDNA_MAX_PIXELS: width x height of a picture. */
  maxPixels: setting('VDNA_MAX_PIXELS', 8192 * 8192),
  /** VDNA_MAX_DURATION_S. */
  maxDurationSeconds: setting('VDNA_MAX_DURATION_S', 24 * 3600),
  /** VDNA_MAX_STREAMS: streams in one container. */
  maxStreams: setting('VDNA_MAX_STREAMS', 32),
  /** VDNA_MAX_FPS: the picture's frame rate. */
  maxFrameRate: setting('VDNA_MAX_FPS', 240),
  /** VDNA_MAX_DECODER_MB: address space of each ffmpeg or ffprobe (where prlimit exists). */
  maxDecoderMb: setting('VDNA_MAX_DECODER_MB', 4096),
  /** A file longer than this, holding fewer bytes per second than the next, has its packets counted before decoding... */
  suspectAfterSeconds: 120,
  suspectBelowBytesPerSecond: 2000,
  /** ...and is refused (IMPLAUSIBLE_DURATION) unless it holds at least one packet per this many seconds. */
  minPacketSeconds: 30,
} as const;
