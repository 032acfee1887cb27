/** Tencent Cloud Infinite's wire shapes for vdna's records: ids, times, JobsDetail, DNAResult, XML. */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import type { JobRecord, JobResult, JobState } from '../../jobs/types.js';
import type { LibraryInfo } from '../../store/store.js';
import { TencentError } from './cos-signature.js';

/** Where Input.Object keys are read from, and what the door reports as their bucket and region. */
export interface TencentConfig {
  bucket?: string;
  region: string;
}

/** Tencent-style ids over vdna's: a library is Db<id>, a job j<id>, a queue p<hex of its name>. */
export const dbId = (l: LibraryInfo) => `Db${l.id}`;
export const libraryIdOf = (id: string) => id.replace(/^Db/, '');
export const jobIdOf = (id: string) => id.replace(/^j/, '');
export const queueId = (name: string) => `p${Buffer.from(name).toString('hex')}`;
export function queueNameOf(id: string): string {
  if (!/^p([0-9a-f]{2})+$/.test(id)) throw new TencentError(400, 'InvalidArgument', `queueId ${id} is not valid`);
  return Buffer.from(id.slice(1), 'hex').toString();
}

/** Tencent's times: 2022-06-27T15:23:10+0800 (here in UTC, +0000); '-' when not yet. */
export const tencentTime = (iso?: string) => (iso ? `${iso.slice(0, 19)}+0000` : '-');

/** Tencent's time filters (2001-01-01T00:00:00+0800) as ISO times. */
export function fromTencentTime(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  // A '+' written unescaped into a URL arrives as a space.
  const t = new Date(value.replace(/ (\d{4})$/, '+$1').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  if (Number.isNaN(t.getTime())) throw new TencentError(400, 'InvalidArgument', `${name} must be like 2001-01-01T00:00:00+0800`);
  return t.toISOString();
}

const STATES: Record<JobState, string> = { Queued: 'Submitted', Running: 'Running', Success: 'Success', Failed: 'Failed', Paused: 'Pause', Cancelled: 'Cancel' };
export const tencentState = (s: JobState) => STATES[s];
export function statesOf(text: string | undefined): JobState[] | undefined {
  if (!text || text === 'All') return undefined;
  return text.split(',').map((name) => {
    const state = (Object.keys(STATES) as JobState[]).find((k) => STATES[k] === name.trim());
    if (!state) throw new TencentError(400, 'InvalidArgument', `states: ${name} is not one of All, ${Object.values(STATES).join(', ')}`);
    return state;
  });
}

/** The DNA rule of a job: how the door's three RuleTypes map onto vdna's modes. */
export const RULES = { GetFingerPrint: 'onlysave', FindSimilarVideo: 'nosave', DeleteFingerPrint: 'delete', DeleteVideoPrint: 'delete' } as const;
export const ruleOf = (mode: JobRecord['mode']) => (mode === 'onlysave' ? 'GetFingerPrint' : mode === 'delete' ? 'DeleteFingerPrint' : 'FindSimilarVideo');

const int = (n: number) => Math.round(n);

/** DNAResult: the input video and, per similar library video, its share and the matched spans (integer seconds, % similarity). */
function dnaResult(job: JobRecord, result: JobResult) {
  return {
    VideoId: job.primaryKey ?? job.id,
    Duration: int(result.mediaDuration ?? 0),
    Detection: result.matches.map((m) => {
      const spans = m.VideoMatchSegments.length ? m.VideoMatchSegments : m.AudioMatchSegments;
      const audio = m.AudioMatchSegments.length
        ? m.AudioMatchSegments.reduce((a, s) => a + s.Similarity * (s.EndTime - s.StartTime), 0) /
          m.AudioMatchSegments.reduce((a, s) => a + (s.EndTime - s.StartTime), 0)
        : 0;
      return {
        VideoId: m.PrimaryKey,
        Similar: int(m.GlobalSimilarity * 100),
        SimilarDuration: int(spans.reduce((a, s) => a + s.EndTime - s.StartTime, 0)),
        Duration: int(result.matchedDurations?.[m.PrimaryKey] ?? Math.max(0, ...spans.map((s) => s.MasterEndTime))),
        // Match*: the similar video's (the library item's) times; Src*: the source's (the input's).
        MatchDetail: spans.map((s) => ({
          MatchStartTime: int(s.MasterStartTime),
          MatchEndTime: int(s.MasterEndTime),
          SrcStartTime: int(s.StartTime),
          SrcEndTime: int(s.EndTime),
        })),
        Audio: { Similar: int(audio * 100) },
      };
    }),
  };
}

/** JobsDetail of a DNA job, as CI documents it. */
export function jobsDetail(job: JobRecord, result: unknown, library: LibraryInfo | undefined, cfg: TencentConfig) {
  const r = result as JobResult | undefined;
  const object = job.input?.type === 'S3' && cfg.bucket ? job.input.source.replace(`s3://${cfg.bucket}/`, '') : (job.input?.source ?? '');
  return {
    Code: job.state === 'Failed' ? (job.code ?? 'InternalError') : 'Success',
    Message: job.state === 'Failed' ? (job.message ?? '') : '',
    JobId: `j${job.id}`,
    State: tencentState(job.state),
    CreationTime: tencentTime(job.createdAt),
    StartTime: tencentTime(job.startedAt),
    EndTime: tencentTime(job.completedAt),
    QueueId: queueId(job.queue),
    Tag: 'DNA',
    Input: { BucketId: cfg.bucket ?? '', Object: object, Region: cfg.region },
    Operation: {
      ...(r && job.state === 'Success' && job.mode !== 'delete' && { DNAResult: dnaResult(job, r) }),
      DnaConfig: { DnaDbId: library ? dbId(library) : '', RuleType: ruleOf(job.mode), ...(job.primaryKey && { VideoId: job.primaryKey }) },
      UserData: job.userData ?? '',
      JobLevel: String(job.priority),
    },
  };
}

const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });
export const toXml = (doc: object) => `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`;

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, htmlEntities: false });

/** A request body: XML (no DTD: entity tricks are refused, not expanded) or JSON, with its root Request. */
export function parseRequestBody(body: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (!text) throw new TencentError(400, 'InvalidArgument', 'the request body is empty');
  let doc: { Request?: unknown };
  if (/json/i.test(contentType ?? '') || text.startsWith('{')) {
    try {
      doc = JSON.parse(text);
    } catch {
      throw new TencentError(400, 'InvalidArgument', 'the request body is not valid JSON');
    }
  } else {
    if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new TencentError(400, 'InvalidArgument', 'XML with a DTD or entities is refused');
    try {
      doc = parser.parse(text, true);
    } catch (err) {
      throw new TencentError(400, 'InvalidArgument', `the request body is not valid XML: ${(err as Error).message}`);
    }
  }
  if (!doc?.Request || typeof doc.Request !== 'object') throw new TencentError(400, 'InvalidArgument', 'the body must hold a Request element');
  return doc.Request as Record<string, unknown>;
}
