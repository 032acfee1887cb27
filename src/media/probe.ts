import { promises as fs } from 'node:fs';
import { LIMITS } from '../config.js';
import { VdnaError } from '../errors.js';
import { decoderCommand, decoderCrash } from './ffmpeg.js';
import { Semaphore } from './semaphore.js';
import { runChild } from './spawn-host.js';

/**
 * Probes at once in this process (VDNA_PROBE_CONCURRENCY, default 4): a burst of uploads claiming huge
 * pictures must not start one ffprobe each (each can take gigabytes).
 */
const probes = new Semaphore(Number(process.env.VDNA_PROBE_CONCURRENCY) || 4);

export interface VideoStreamInfo {
  index: number;
  codec: string;
  width: number;
  height: number;
  frameRate: number;
  /** Seconds of this stream alone; 0 when the container does not say. */
  duration: number;
  /** Width over height of the picture as shown: sample aspect ratio applied, turned when it plays rotated. */
  aspect: number;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  /** Seconds of this stream alone; 0 when the container does not say. */
  duration: number;
}

export interface MediaInfo {
  path: string;
  format: string;
  /** Seconds; 0 when the container does not say. */
  duration: number;
  video?: VideoStreamInfo;
  /** Index of the first text subtitle stream, if any. */
  subtitleStream?: number;
  /** A still picture (JPEG, PNG, WebP...), decoded as a one-second clip of itself. */
  still: boolean;
  /** The first audio stream. */
  audio?: AudioStreamInfo;
  hasAudio: boolean;
}

interface FfprobeJson {
  format?: { format_name?: string; duration?: string };
  streams?: Array<{
    index: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    sample_aspect_ratio?: string;
    side_data_list?: Array<{ rotation?: number }>;
    tags?: { rotate?: string };
    duration?: string;
    sample_rate?: string;
    channels?: number;
    disposition?: { attached_pic?: number };
  }>;
}

function rate(text: string | undefined): number {
  if (!text) return 0;
  const [n, d] = text.split('/').map(Number);
  return d ? n / d : n || 0;
}

/** The shown shape of a video stream: its pixels' aspect (1 when unset) and a quarter turn swap it. */
function displayAspect(stream: NonNullable<FfprobeJson['streams']>[number]): number {
  const [sw, sh] = (stream.sample_aspect_ratio ?? '').split(':').map(Number);
  const sar = sw > 0 && sh > 0 ? sw / sh : 1;
  const aspect = ((stream.width ?? 1) * sar) / (stream.height || 1);
  const rotation = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(stream.tags?.rotate ?? 0);
  return Math.abs(Math.round(rotation / 90)) % 2 === 1 ? 1 / aspect : aspect;
}

/** Reads container and stream facts with ffprobe; refuses what is not media before any decoding. */
export async function probe(path: string): Promise<MediaInfo> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch {
    throw new VdnaError('FILE_NOT_FOUND', `no such file: ${path}`);
  }
  if (!stat.isFile()) throw new VdnaError('FILE_NOT_FOUND', `not a regular file: ${path}`);
  if (stat.size === 0) throw new VdnaError('NOT_MEDIA', `empty file: ${path}`);

  let json: FfprobeJson;
  try {
    const { stdout } = await probes.run(() =>
      runChild(
        ...decoderCommand('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]),
        // A probe reads headers: a minute is far more than any real file needs.
        { maxBuffer: 16 << 20, timeout: 60_000, killSignal: 'SIGKILL' },
      ),
    );
    json = JSON.parse(stdout) as FfprobeJson;
  } catch (err) {
    if ((err as { killed?: boolean }).killed) throw new VdnaError('MEDIA_TIMEOUT', `probing ${path} took over 60 s: stopped`);
    const crash = decoderCrash((err as { signal?: NodeJS.Signals }).signal, String((err as { stderr?: string }).stderr ?? ''), path);
    if (crash) throw crash;
    const detail = String((err as { stderr?: string }).stderr ?? err).trim().split('\n').pop() ?? '';
    // ffprobe's last line, without the path it names or the address of the demuxer or decoder that wrote it.
    const reason = detail.replace(/^.*?: /, '').replace(/ @ 0x[0-9a-f]+\]/g, ']');
    throw new VdnaError('NOT_MEDIA', `not a readable media file: ${path}${reason ? ` (${reason})` : ''}`);
  }
  const streams = json.streams ?? [];
  if (streams.length > LIMITS.maxStreams) {
    throw new VdnaError('TOO_LARGE', `${streams.length} streams exceed the limit of ${LIMITS.maxStreams}: ${path}`);
  }
  const videoStream = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const duration = Number(json.format?.duration ?? videoStream?.duration ?? 0) || 0;
  const info: MediaInfo = {
    path,
    format: json.format?.format_name ?? 'unknown',
    duration,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    still: /^image2$|_pipe$/.test(json.format?.format_name ?? ''),
  };
  const subtitle = streams.find((s) => s.codec_type === 'subtitle' && !/pgs|dvd_sub|dvb_sub|xsub/.test(s.codec_name ?? ''));
  if (subtitle) info.subtitleStream = subtitle.index;
  const audioStream = streams.find((s) => s.codec_type === 'audio');
  if (audioStream) {
    info.audio = {
      index: audioStream.index,
      codec: audioStream.codec_name ?? 'unknown',
      sampleRate: Number(audioStream.sample_rate ?? 0) || 0,
      channels: audioStream.channels ?? 0,
      duration: Number(audioStream.duration ?? 0) || duration,
    };
  }
  if (videoStream) {
    info.video = {
      index: videoStream.index,
      codec: videoStream.codec_name ?? 'unknown',
      width: videoStream.width ?? 0,
      height: videoStream.height ?? 0,
      frameRate: rate(videoStream.avg_frame_rate) || rate(videoStream.r_frame_rate),
      duration: Number(videoStream.duration ?? 0) || duration,
      aspect: displayAspect(videoStream),
    };
  }
  if (!info.video && !info.hasAudio) throw new VdnaError('NOT_MEDIA', `no audio or video stream in ${path}`);
  if (info.video) {
    const { width, height } = info.video;
    if (width <= 0 || height <= 0) throw new VdnaError('CORRUPT_MEDIA', `video stream has no picture size: ${path}`);
    if (width * height > LIMITS.maxPixels) {
      throw new VdnaError('TOO_LARGE', `picture ${width}x${height} exceeds the ${LIMITS.maxPixels} pixel limit: ${path}`);
    }
    if (info.video.frameRate > LIMITS.maxFrameRate) {
      throw new VdnaError('TOO_LARGE', `frame rate ${info.video.frameRate.toFixed(0)} exceeds the limit of ${LIMITS.maxFrameRate}: ${path}`);
    }
  }
  if (info.still && info.video) info.video.duration = info.duration = 1;
  if (duration > LIMITS.maxDurationSeconds) {
    throw new VdnaError('TOO_LARGE', `duration ${duration.toFixed(0)} s exceeds the ${LIMITS.maxDurationSeconds} s limit: ${path}`);
  }
  if (!info.still && duration > LIMITS.suspectAfterSeconds && stat.size / duration < LIMITS.suspectBelowBytesPerSecond) {
    await checkPlausible(info, stat.size);
  }
  return info;
}

/**
 * A file far too small for the duration it claims (a few KB claiming hours) would make the decoder
 * produce hours of frames from almost nothing. Its packets are counted first (read, not decoded: cheap
 * for a small file): the stream to fingerprint must hold at least one packet per `minPacketSeconds`.
 */
async function checkPlausible(info: MediaInfo, size: number): Promise<void> {
  let packets: number;
  try {
    const { stdout } = await runChild(
      ...decoderCommand('ffprobe', ['-v', 'error', '-select_streams', info.video ? 'v:0' : 'a:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', info.path]),
      { maxBuffer: 1 << 16, timeout: 60_000, killSignal: 'SIGKILL' },
    );
    packets = Number(stdout.trim().split('\n')[0]) || 0;
  } catch {
    throw new VdnaError('CORRUPT_MEDIA', `cannot read the packets of ${info.path}`);
  }
  if (packets * LIMITS.minPacketSeconds < info.duration) {
    throw new VdnaError(
      'IMPLAUSIBLE_DURATION',
      `${info.path} claims ${info.duration.toFixed(0)} s in ${size} bytes but holds ${packets} ${info.video ? 'frames' : 'audio packets'}: refused before decoding`,
    );
  }
}
