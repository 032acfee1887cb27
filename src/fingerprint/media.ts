/**
 * A media file's DNA, wired in one place: which library types take which files (admitMedia), the
 * picture, sound and text fingerprints of a file (fingerprintMedia), and the item a library stores
 * for them (itemOf). The core: no store, no server.
 */
import { AUDIO_DEFAULTS, decoderThreads, VIDEO_DEFAULTS } from '../config.js';
import { VdnaError } from '../errors.js';
import { decodableTogether, decodeFramesAndAudio } from '../media/decode-audio.js';
import { probe, type MediaInfo } from '../media/probe.js';
import { embeddedSubtitles, isTextFile, readText, sidecarSubtitles } from '../media/subtitles.js';
import type { MediaType, StoredItem } from '../store/store.js';
import { fingerprintAudio, libraryLandmarks, soundFingerprinter, type AudioFingerprint, type AudioFingerprintOptions } from './audio/fingerprint.js';
import { fingerprintText, SHINGLE_WORDS, type TextFingerprint } from './text/shingles.js';
import { PLACEMENTS, withNeighbours } from './video/placements.js';
import {
  fingerprintFile,
  fingerprintMedia as fingerprintVideo,
  frameFingerprinter,
  QUERY_VARIANTS,
  type FingerprintOptions,
  type VideoFingerprint,
} from './video/fingerprint.js';

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

export interface ProgressOptions {
  /** Media seconds decoded so far, and the media's duration (0 when unknown). */
  onProgress?: (seconds: number, total: number) => void;
  signal?: AbortSignal;
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

/**
 * Fingerprints a file for a library of `mediaType`: picture (with every query variant when it is to
 * be searched) and sound, from one decoder where the container allows it, and text (embedded
 * subtitles, or a sidecar .srt/.vtt beside it). Stored video needs a picture; stored audio, a sound
 * track; a query to a video library may have any of the three. A text file (subtitles, timed-text
 * JSON, plain text) gives text only: it is stored in text libraries and searches video and text
 * libraries.
 */
export async function fingerprintMedia(path: string, opts: ProgressOptions & { forSearch: boolean; mediaType?: MediaType }): Promise<MediaFingerprint> {
  const mediaType = opts.mediaType ?? 'video';
  const info = await admitMedia(path, mediaType, opts.forSearch);
  // Subtitles, timed text and plain text: text DNA only.
  if (!info) {
    const { cues, timed } = await readText(path);
    const text = fingerprintText(cues, timed);
    if (text.shingles.length === 0) throw new VdnaError('TOO_SHORT', `${path} has fewer than ${SHINGLE_WORDS} words`);
    return { duration: timed ? lastEnd(cues) : 0, text };
  }
  const cues = [...(await embeddedSubtitles(info)), ...(await sidecarSubtitles(path))].sort((a, b) => a.start - b.start);
  const subtitles = cues.length ? fingerprintText(cues, true) : undefined;
  if (mediaType === 'text') {
    if (!subtitles) throw new VdnaError('NOT_MEDIA', `no text in ${path}: no subtitle stream and no sidecar .srt/.vtt`);
    return { duration: lastEnd(cues), text: subtitles };
  }
  const withVideo = (mediaType === 'video' || mediaType === 'image') && info.video !== undefined;
  const withAudio = info.audio !== undefined && mediaType !== 'image';
  const videoOpts: FingerprintOptions = {
    ...(opts.forSearch && { variants: QUERY_VARIANTS, placements: true }),
    threads: decoderThreads(),
    onProgress: opts.onProgress,
    signal: opts.signal,
  };
  const audioOpts: AudioFingerprintOptions = {
    shifts: opts.forSearch ? AUDIO_DEFAULTS.queryShifts : 1,
    signal: opts.signal,
    onProgress: withVideo ? undefined : opts.onProgress,
  };
  const [video, audio] =
    withVideo && withAudio && decodableTogether(info)
      ? await fingerprintPictureAndSound(info, videoOpts, audioOpts)
      : await Promise.all([withVideo ? fingerprintVideo(info, videoOpts) : undefined, withAudio ? fingerprintAudio(info, audioOpts) : undefined]);
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

/**
 * A picture's frames through `placements` (indexes into PLACEMENTS: where the library's window lies in a
 * cropped copy, see video/placements.ts) and their neighbours, one variant each: a search's second look
 * at a query (LibraryIndexes.search), decoding it again.
 */
export async function placedFrames(path: string, placements: number[], opts: ProgressOptions = {}): Promise<Pick<VideoFingerprint, 'count' | 'variants' | 'hashes' | 'flat'>> {
  const around = [...new Set(placements.flatMap(withNeighbours))];
  const variants = around.map((p) => ({ fraction: 1, mirror: false, placement: PLACEMENTS[p] }));
  const { count, hashes, flat } = await fingerprintFile(path, { variants, threads: decoderThreads(), signal: opts.signal, onProgress: opts.onProgress });
  return { count, variants: variants.length, hashes, flat };
}

/**
 * Picture and sound of one file from one decoder, which reads and demuxes it once (the costly part of
 * fingerprinting): the same fingerprints as fingerprintVideo and fingerprintAudio make one at a time.
 */
async function fingerprintPictureAndSound(
  info: MediaInfo,
  videoOpts: FingerprintOptions,
  audioOpts: AudioFingerprintOptions,
): Promise<[VideoFingerprint, AudioFingerprint]> {
  const picture = frameFingerprinter(info, videoOpts);
  const sound = soundFingerprinter(info, audioOpts);
  const { audioSeconds } = await decodeFramesAndAudio(info, picture.sampling, picture.sink, sound.decoding, sound.sink);
  return [picture.end(), sound.end(audioSeconds)];
}

/** The end of the latest cue; a loop, not Math.max(...): a file of a few hundred thousand cues would overflow the stack. */
function lastEnd(cues: Array<{ end: number }>): number {
  let end = -Infinity;
  for (const c of cues) end = Math.max(end, c.end);
  return end;
}

/** The item a library stores for a fingerprint; a query's picture gives its variant 0 and its strip, the library's views. */
export function itemOf(key: string, source: string, fp: MediaFingerprint): StoredItem {
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
    ...(v && !fp.still && { strip: { hashes: v.strip.hashes.slice(0, count * 2), flat: v.strip.flat.slice(0, count) } }),
    fingerprintVersion: FINGERPRINT_VERSION,
    addedAt: new Date().toISOString(),
    ...(fp.audio && { audio: { frameRate: fp.audio.frameRate, landmarks: libraryLandmarks(fp.audio), version: AUDIO_FINGERPRINT_VERSION } }),
    ...(fp.text && { text: { timed: fp.text.timed, cues: fp.text.cues } }),
  };
}
