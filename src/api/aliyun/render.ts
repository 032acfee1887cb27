/** Alibaba Cloud's wire shapes for vdna's records: IMS job lists, VOD AI jobs, VideoMatchInfo, VideoDNA. */
import type { JobInput, JobRecord, JobResult } from '../../jobs/types.js';
import type { Match } from '../../match/search.js';
import type { LibraryInfo, MediaType } from '../../store/store.js';

/** Alibaba's times: ISO 8601 in UTC, to the second. */
export const aliyunTime = (iso?: string) => (iso ? `${iso.slice(0, 19)}Z` : '');

export const MODELS: Record<string, MediaType> = { Video: 'video', Audio: 'audio', Image: 'image', Text: 'text' };
export const modelOf = (t: MediaType) => Object.keys(MODELS).find((k) => MODELS[k] === t)!;

export const dbInfo = (l: LibraryInfo) => ({ DBId: l.id, Name: l.name, Description: l.description, Model: modelOf(l.mediaType), Status: 'active' });

/** IMS job states: Queuing, Analysing, Success, Fail. */
export function imsStatus(state: JobRecord['state']): string {
  if (state === 'Queued' || state === 'Paused') return 'Queuing';
  if (state === 'Running') return 'Analysing';
  return state === 'Success' ? 'Success' : 'Fail';
}

/** IMS smart-tagging job states: Submitted, Processing, Success, Fail. */
export function imsTagStatus(state: JobRecord['state']): string {
  if (state === 'Queued' || state === 'Paused') return 'Submitted';
  if (state === 'Running') return 'Processing';
  return state === 'Success' ? 'Success' : 'Fail';
}

/** VOD AI job states: init, processing, success, fail. */
export function vodStatus(state: JobRecord['state']): string {
  if (state === 'Queued' || state === 'Paused') return 'init';
  if (state === 'Running') return 'processing';
  return state === 'Success' ? 'success' : 'fail';
}

/** An IMS input as the client named it: an OSS object (read from the S3-compatible store) or a media. */
export function imsInput(input?: JobInput): { Type: string; Media: string } {
  if (!input) return { Type: 'Media', Media: '' };
  if (input.type === 'Media') return { Type: 'Media', Media: input.source };
  if (input.type === 'S3') return { Type: 'OSS', Media: input.source.replace(/^s3:\/\//, 'oss://') };
  return { Type: 'OSS', Media: input.source };
}

/** An OSS address (oss://bucket/object, https://bucket.oss-REGION.aliyuncs.com/object) as the S3 object vdna reads; other URLs as URLs. */
export function fromOss(media: string): JobInput {
  const oss = /^oss:\/\/([^/]+)\/(.+)$/.exec(media);
  if (oss) return { type: 'S3', source: `s3://${oss[1]}/${oss[2]}` };
  const host = /^https?:\/\/([^./]+)\.oss-[a-z0-9-]+(?:-internal)?\.aliyuncs\.com\/(.+)$/.exec(media);
  if (host) return { type: 'S3', source: `s3://${host[1]}/${decodeURIComponent(host[2])}` };
  return { type: 'URL', source: media };
}

/** VideoMatchInfo exactly as IMS documents it (the array a DNAResult URL serves). */
export function videoMatchInfo(m: Match) {
  const segment = (s: Match['VideoMatchSegments'][number]) => ({
    StartTime: s.StartTime,
    EndTime: s.EndTime,
    MasterStartTime: s.MasterStartTime,
    MasterEndTime: s.MasterEndTime,
    Similarity: s.Similarity,
  });
  return {
    PrimaryKey: m.PrimaryKey,
    GlobalSimilarity: m.GlobalSimilarity,
    VideoMatchSegments: m.VideoMatchSegments.map(segment),
    AudioMatchSegments: m.AudioMatchSegments.map(segment),
    TextMatchSegments: m.TextMatchSegments.map((t) => ({ Start: t.Start, End: t.End, QueryText: t.QueryText, MasterText: t.MasterText, Similarity: t.Similarity })),
  };
}

const seconds = (n: number) => n.toFixed(3).replace(/\.?0+$/, '') || '0';

/** VOD's VideoDNA: every value a string, segments as Input (the query) and Duplication (the library item) start and duration. */
export function videoDna(result: unknown) {
  const matches = (result as JobResult | undefined)?.matches ?? [];
  return {
    VideoDNA: matches.map((m) => ({
      PrimaryKey: m.PrimaryKey,
      Similarity: String(m.GlobalSimilarity),
      Detail: (m.VideoMatchSegments.length ? m.VideoMatchSegments : m.AudioMatchSegments).map((s) => ({
        Input: { Start: seconds(s.StartTime), Duration: seconds(s.EndTime - s.StartTime) },
        Duplication: { Start: seconds(s.MasterStartTime), Duration: seconds(s.MasterEndTime - s.MasterStartTime) },
      })),
    })),
  };
}
