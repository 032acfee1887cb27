/**
 * The native wire shapes (PascalCase, the clouds' vocabulary), rendered from the camelCase records.
 * Shared by the HTTP API and the CLI's --json, so both print one shape.
 */
import type { AccountRecord, AuditEntry, KeyRecord } from '../access/store.js';
import { VdnaError } from '../errors.js';
import type { QueueRecord } from '../jobs/queue.js';
import type { ResultRendering } from '../jobs/results.js';
import type { CallbackTarget, JobRecord, JobResult, TagResult } from '../jobs/types.js';
import type { Delivery } from '../notify/outbox.js';
import type { NewKey } from '../services/access-service.js';
import type { MediaRecord } from '../store/media.js';
import type { ItemSummary, LibraryInfo } from '../store/store.js';
import { videoTagResult } from './video-tags.js';

export const libraryView = (l: LibraryInfo) => ({
  LibraryId: l.id,
  Name: l.name,
  MediaType: l.mediaType,
  Description: l.description,
  CreateTime: l.createdAt,
  ItemCount: l.itemCount,
  Duration: l.duration,
});

export const itemView = (i: ItemSummary) => ({
  PrimaryKey: i.key,
  Source: i.source,
  Duration: i.duration,
  Frames: i.count,
  HasAudio: i.hasAudio,
  HasText: i.hasText,
  AddTime: i.addedAt,
});

export const callbackView = (c: CallbackTarget) =>
  c.type === 'http' ? { Type: 'HTTP', Url: c.url, Format: c.format } : c.type === 'redis' ? { Type: 'Redis', Stream: c.stream } : { Type: 'None' };

/** A callback as a client sends it: JSON, or a JSON string (a form field). */
export function parseCallback(value: unknown): CallbackTarget | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new VdnaError('MALFORMED_REQUEST', 'Callback must be a JSON object');
    }
  }
  const c = v as Record<string, unknown>;
  if (c?.Type === 'HTTP' && typeof c.Url === 'string') {
    const format = c.Format ?? 'json';
    if (format !== 'json' && format !== 'xml') throw new VdnaError('INVALID_ARGUMENT', 'Callback.Format must be json or xml');
    return { type: 'http', url: c.Url, format };
  }
  if (c?.Type === 'Redis' && typeof c.Stream === 'string' && /^[\w.:-]{1,128}$/.test(c.Stream)) {
    return { type: 'redis', stream: c.Stream };
  }
  throw new VdnaError('INVALID_ARGUMENT', 'Callback must be {"Type":"HTTP","Url":"...","Format":"json"|"xml"} or {"Type":"Redis","Stream":"name"}');
}

/** A job; `resultUrl` (presigned) only for callers who may read the result. */
export const jobView = (j: JobRecord, resultUrl?: string) => ({
  JobId: j.id,
  Kind: j.kind,
  Queue: j.queue,
  ...(j.library && { Library: j.library }),
  Mode: j.mode,
  ...(j.options?.types && { Types: j.options.types.join(',') }),
  State: j.state,
  Progress: j.progress,
  Priority: j.priority,
  ...(j.primaryKey !== undefined && { PrimaryKey: j.primaryKey }),
  ...(j.input && { Input: { Type: j.input.type, Source: j.input.source } }),
  ...(j.userData !== undefined && { UserData: j.userData }),
  ...(j.callback && { Callback: callbackView(j.callback) }),
  ...(j.code !== undefined && { Code: j.code }),
  ...(j.message !== undefined && { Message: j.message }),
  Attempts: j.attempts,
  CreateTime: j.createdAt,
  ...(j.startedAt !== undefined && { StartTime: j.startedAt }),
  ...(j.completedAt !== undefined && { CompleteTime: j.completedAt }),
  ...(resultUrl !== undefined && { ResultUrl: resultUrl }),
});

export type JobView = ReturnType<typeof jobView>;

/**
 * The result document of an ended job; a job that failed or was cancelled gives its code. A tagging
 * job's is the clouds' VideoTagResult (`faceUrl`: where each face's thumbnail is served).
 */
export function resultView(j: JobRecord, result: unknown, faceUrl?: (faceId: string) => string) {
  if (!result) return { JobId: j.id, State: j.state, Code: j.code, Message: j.message };
  if (j.kind === 'tag') {
    const t = result as TagResult;
    return {
      JobId: j.id,
      Kind: j.kind,
      ...(j.library && { Library: j.library, Mode: j.mode }),
      ...(j.primaryKey !== undefined && { PrimaryKey: j.primaryKey }),
      ...(j.userData !== undefined && { UserData: j.userData }),
      MediaDuration: t.mediaDuration,
      ...videoTagResult(t, faceUrl),
      ...(t.saved !== undefined && { Saved: t.saved }),
      ...(t.matches && { Matches: t.matches }),
    };
  }
  const r = result as JobResult;
  return {
    JobId: j.id,
    Library: j.library,
    Mode: j.mode,
    ...(j.primaryKey !== undefined && { PrimaryKey: j.primaryKey }),
    ...(j.userData !== undefined && { UserData: j.userData }),
    Saved: r.saved,
    ...(r.deleted !== undefined && r.deleted !== null && { Deleted: r.deleted }),
    ...(r.mediaDuration !== undefined && r.mediaDuration !== null && { MediaDuration: r.mediaDuration }),
    Matches: r.matches,
  };
}

/**
 * The native result document kept as a blob beside the result at the job's end (jobs/results.ts), so
 * that with object storage a job's ResultUrl is the bucket's own URL of these very bytes: a DNA or
 * delete job's (what it holds never changes once the job ended). A tagging job's document carries
 * FaceUrls, presigned afresh on each read, which a kept copy would outlive: its ResultUrl stays vdna's
 * GET /v1/jobs/{id}/result, which renders it then.
 */
export const NATIVE_RESULT: ResultRendering = {
  applies: (job) => job.kind !== 'tag',
  render: (job, result) => resultView(job, result),
};

/** The renderings the native door keeps, by name (what result URLs are asked for by). */
export const RESULT_RENDERINGS = { native: NATIVE_RESULT };

export const queueView = (q: QueueRecord) => ({
  Name: q.name,
  Paused: q.paused,
  ...(q.callback && { Callback: callbackView(q.callback) }),
  Counts: q.counts,
});

export const deliveryView = (d: Delivery) => ({
  Id: d.id,
  JobId: d.jobId,
  Target: callbackView(d.target),
  State: d.state,
  Attempts: d.attempts,
  ...(d.nextAttemptAt && { NextAttemptTime: d.nextAttemptAt }),
  Log: d.log.map((a) => ({
    Attempt: a.attempt,
    Time: a.time,
    Ok: a.ok,
    ...(a.status !== undefined && a.status !== null && { Status: a.status }),
    ...(a.error !== undefined && a.error !== null && { Error: a.error }),
    Milliseconds: a.milliseconds,
  })),
});

export const accountView = (a: AccountRecord, callbackSecret?: string) => ({
  Name: a.name,
  CreateTime: a.createdAt,
  ...(callbackSecret !== undefined && { CallbackSecret: callbackSecret }),
});

export const keyView = (k: KeyRecord) => ({
  AccessKeyId: k.id,
  Account: k.account,
  Description: k.description,
  Policy: JSON.parse(k.policy),
  Root: k.root,
  ...(k.rateLimit !== undefined && { RateLimit: k.rateLimit }),
  CreateTime: k.createdAt,
  ...(k.revokedAt !== undefined && { RevokeTime: k.revokedAt }),
});

/** A key just made: the only time its secret and token are shown. */
export const newKeyView = (k: NewKey) => ({
  AccessKeyId: k.id,
  Account: k.account,
  Root: k.root,
  Policy: k.policy,
  AccessKeySecret: k.secret,
  Token: k.token,
});

export const auditView = (e: AuditEntry) => ({
  Time: e.time,
  Account: e.account,
  ...(e.keyId !== undefined && { AccessKeyId: e.keyId }),
  Action: e.action,
  Resource: e.resource,
  Outcome: e.outcome,
  ...(e.code !== undefined && { Code: e.code }),
  ...(e.requestId !== undefined && { RequestId: e.requestId }),
});

export const mediaView = (m: MediaRecord) => ({
  MediaId: m.id,
  Title: m.title,
  Input: { Type: m.input.type, Source: m.input.source },
  ...(m.size !== undefined && { Size: m.size }),
  CreateTime: m.createdAt,
});
