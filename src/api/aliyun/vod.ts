/**
 * ApsaraVideo VOD (2017-03-21), its media-fingerprint and smart-tagging actions, on the services: a
 * MediaId is a media of the registry and the primary key it is stored under; AIMediaDNA searches the
 * library named by Config.AIMediaDNA.DNADBId (else the account's library "vod", made on first use)
 * and stores the media if it duplicates nothing; AIVideoTag tags it with Config.AIVideoTag.AnalyseTypes
 * (ASR, OCR, Face, Object; default all); both types at once are two jobs. UserData's
 * MessageCallback.CallbackURL receives each job's event.
 */
import type { VdnaError } from '../../errors.js';
import type { JobRecord, TagResult } from '../../jobs/types.js';
import { jsonParam, listParam, required, type ActionContext, type ActionHandler } from './actions.js';
import { aliyunTime, videoDna, vodStatus } from './render.js';
import { AliyunError } from './signature.js';
import { vodTagData, vodVideoTags } from './tags.js';

const DEFAULT_LIBRARY = 'vod';

async function dnaLibrary(ctx: ActionContext): Promise<string> {
  const config = jsonParam<{ AIMediaDNA?: { DNADBId?: string } }>(ctx.params, 'Config');
  const id = config?.AIMediaDNA?.DNADBId;
  if (id) return (await ctx.services.libraries.requireById(ctx.caller.account, id)).name;
  const existing = await ctx.services.libraries.store.library(ctx.caller.account, DEFAULT_LIBRARY);
  if (!existing) {
    // Two first calls at once: the second finds it made.
    await ctx.services.libraries.create(ctx.caller, DEFAULT_LIBRARY, 'video', 'VOD media fingerprints').catch((err: VdnaError) => {
      if (err.code !== 'DUPLICATE_LIBRARY') throw err;
    });
  }
  return DEFAULT_LIBRARY;
}

/** The callback VOD's UserData names (per-request override of the event notification). */
function callbackOf(userData?: string) {
  if (!userData) return undefined;
  let parsed: { MessageCallback?: { CallbackURL?: unknown } };
  try {
    parsed = JSON.parse(userData);
  } catch {
    throw new AliyunError(400, 'InvalidParameter', 'UserData must be a JSON string.');
  }
  const url = parsed?.MessageCallback?.CallbackURL;
  return typeof url === 'string' && url ? { type: 'http' as const, url, format: 'json' as const } : undefined;
}

/** The newest media-fingerprint (or tagging) job of a media (that ended well, with `succeeded`). */
async function latestJob(ctx: ActionContext, mediaId: string, succeeded = false, kind: 'dna' | 'tag' = 'dna'): Promise<JobRecord> {
  const { jobs } = await ctx.services.jobs.list(ctx.caller, { primaryKey: mediaId, kind, limit: 1, ...(succeeded && { states: ['Success'] }) });
  const what = kind === 'tag' ? 'smart tagging' : 'media fingerprint';
  if (!jobs[0]) throw new AliyunError(404, 'InvalidParameter.ResourceNotFound', `no ${succeeded ? 'finished ' : ''}${what} job for media ${mediaId}.`);
  return jobs[0];
}

const ANALYSE_TYPES: Record<string, string> = { asr: 'asr', ocr: 'ocr', face: 'face', object: 'object' };

/** Config.AIVideoTag.AnalyseTypes (ASR, OCR, Face, Object) as the analysers; undefined = all. */
function analyseTypes(ctx: ActionContext): string[] | undefined {
  const config = jsonParam<{ AIVideoTag?: { AnalyseTypes?: unknown } }>(ctx.params, 'Config');
  const types = config?.AIVideoTag?.AnalyseTypes;
  if (types === undefined || types === '') return undefined;
  if (typeof types !== 'string') throw new AliyunError(400, 'InvalidParameter', 'Config.AIVideoTag.AnalyseTypes must be a comma-separated string.');
  return types.split(',').map((t) => {
    const name = t.trim().toLowerCase();
    if (!Object.hasOwn(ANALYSE_TYPES, name)) throw new AliyunError(400, 'InvalidParameter', `AnalyseTypes ${t.trim()} is not supported; use ASR, OCR, Face or Object.`);
    return ANALYSE_TYPES[name];
  });
}

async function aiJob(ctx: ActionContext, job: JobRecord) {
  const readable = job.state === 'Success' && job.mode !== 'delete' && ctx.services.jobs.mayReadResult(ctx.caller, job);
  const result = readable ? (await ctx.services.jobs.result(ctx.caller, job.id)).result : undefined;
  const tagging = job.kind === 'tag';
  return {
    JobId: job.id,
    MediaId: job.primaryKey ?? '',
    Type: tagging ? 'AIVideoTag' : 'AIMediaDNA',
    Status: vodStatus(job.state),
    Code: job.state === 'Success' ? '0' : (job.code ?? ''),
    Message: job.state === 'Success' ? 'OK' : (job.message ?? ''),
    CreationTime: aliyunTime(job.createdAt),
    CompleteTime: aliyunTime(job.completedAt),
    Data: result === undefined ? '' : JSON.stringify(tagging ? vodTagData(result as TagResult, await ctx.faceUrls(result)) : videoDna(result)),
  };
}

export const VOD_ACTIONS: Record<string, ActionHandler> = {
  async SubmitAIJob(ctx) {
    const mediaId = required(ctx.params, 'MediaId');
    const types = [...new Set(listParam(ctx.params, 'Types'))];
    if (types.length === 0) throw new AliyunError(400, 'MissingTypes', 'Types is mandatory for this action.');
    const unknown = types.find((t) => t !== 'AIMediaDNA' && t !== 'AIVideoTag');
    if (unknown) throw new AliyunError(400, 'InvalidParameter', `Types ${unknown} is not supported; use AIMediaDNA or AIVideoTag.`);
    await ctx.services.media.get(ctx.caller, mediaId);
    const common = {
      primaryKey: mediaId,
      input: { type: 'Media', source: mediaId },
      userData: ctx.params.UserData,
      callback: callbackOf(ctx.params.UserData),
    };
    const jobs = [];
    for (const type of types) {
      if (type === 'AIVideoTag') {
        const job = await ctx.services.jobs.submit(ctx.caller, { ...common, kind: 'tag', types: analyseTypes(ctx) }, undefined, 'aliyun', { product: 'vod' });
        jobs.push({ JobId: job.id, MediaId: mediaId, Type: type });
        continue;
      }
      const library = await dnaLibrary(ctx);
      // A media already in the library is searched again (its match with itself left out), not stored twice.
      const lib = await ctx.services.libraries.require(ctx.caller.account, library);
      const stored = await ctx.services.libraries.store.hasItem(lib.id, mediaId);
      const job = await ctx.services.jobs.submit(ctx.caller, { ...common, library, mode: stored ? 'nosave' : 'save' }, undefined, 'aliyun', { product: 'vod' });
      jobs.push({ JobId: job.id, MediaId: mediaId, Type: type });
    }
    return { AIJobList: { AIJob: jobs } };
  },

  async ListAIJob(ctx) {
    const ids = listParam(ctx.params, 'JobIds');
    if (ids.length === 0) throw new AliyunError(400, 'MissingJobIds', 'JobIds is mandatory for this action.');
    const { jobs, unknown } = await ctx.services.jobs.getMany(ctx.caller, ids);
    return { AIJobList: { AIJob: await Promise.all(jobs.map((j) => aiJob(ctx, j))) }, NonExistAIJobIds: { String: unknown } };
  },

  async GetMediaDNAResult(ctx) {
    const job = await latestJob(ctx, required(ctx.params, 'MediaId'), true);
    const { result } = await ctx.services.jobs.result(ctx.caller, job.id);
    return { DNAResult: videoDna(result) };
  },

  async GetAIVideoTagResult(ctx) {
    const job = await latestJob(ctx, required(ctx.params, 'MediaId'), true, 'tag');
    const { result } = await ctx.services.jobs.result(ctx.caller, job.id);
    return { VideoTagResult: vodVideoTags(result as TagResult, await ctx.faceUrls(result)) };
  },

  async SubmitMediaDNADeleteJob(ctx) {
    const mediaId = required(ctx.params, 'MediaId');
    const last = await latestJob(ctx, mediaId);
    const job = await ctx.services.jobs.submit(ctx.caller, { library: last.library, mode: 'delete', primaryKey: mediaId }, undefined, 'aliyun');
    return { JobId: job.id };
  },
};
