/**
 * ApsaraVideo VOD (2017-03-21), its media-fingerprint actions, on the services: a MediaId is a media
 * of the registry and the primary key it is stored under; AIMediaDNA searches the library named by
 * Config.AIMediaDNA.DNADBId (else the account's library "vod", made on first use) and stores the
 * media if it duplicates nothing; UserData's MessageCallback.CallbackURL receives the event.
 */
import type { VdnaError } from '../../errors.js';
import type { JobRecord } from '../../jobs/types.js';
import { jsonParam, listParam, required, type ActionContext, type ActionHandler } from './actions.js';
import { aliyunTime, videoDna, vodStatus } from './render.js';
import { AliyunError } from './signature.js';

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

/** The newest media-fingerprint job of a media (that ended well, with `succeeded`). */
async function latestJob(ctx: ActionContext, mediaId: string, succeeded = false): Promise<JobRecord> {
  const { jobs } = await ctx.services.jobs.list(ctx.caller, { primaryKey: mediaId, kind: 'dna', limit: 1, ...(succeeded && { states: ['Success'] }) });
  if (!jobs[0]) throw new AliyunError(404, 'InvalidParameter.ResourceNotFound', `no ${succeeded ? 'finished ' : ''}media fingerprint job for media ${mediaId}.`);
  return jobs[0];
}

async function aiJob(ctx: ActionContext, job: JobRecord) {
  const readable = job.state === 'Success' && job.mode !== 'delete' && ctx.services.jobs.mayReadResult(ctx.caller, job);
  const result = readable ? (await ctx.services.jobs.result(ctx.caller, job.id)).result : undefined;
  return {
    JobId: job.id,
    MediaId: job.primaryKey ?? '',
    Type: 'AIMediaDNA',
    Status: vodStatus(job.state),
    Code: job.state === 'Success' ? '0' : (job.code ?? ''),
    Message: job.state === 'Success' ? 'OK' : (job.message ?? ''),
    CreationTime: aliyunTime(job.createdAt),
    CompleteTime: aliyunTime(job.completedAt),
    Data: result === undefined ? '' : JSON.stringify(videoDna(result)),
  };
}

export const VOD_ACTIONS: Record<string, ActionHandler> = {
  async SubmitAIJob(ctx) {
    const mediaId = required(ctx.params, 'MediaId');
    const types = listParam(ctx.params, 'Types');
    if (types.length === 0) throw new AliyunError(400, 'MissingTypes', 'Types is mandatory for this action.');
    const unknown = types.find((t) => t !== 'AIMediaDNA');
    if (unknown) throw new AliyunError(400, 'InvalidParameter', `Types ${unknown} is not supported here; AIMediaDNA is.`);
    await ctx.services.media.get(ctx.caller, mediaId);
    const library = await dnaLibrary(ctx);
    // A media already in the library is searched again (its match with itself left out), not stored twice.
    const lib = await ctx.services.libraries.require(ctx.caller.account, library);
    const stored = await ctx.services.libraries.store.hasItem(lib.id, mediaId);
    const job = await ctx.services.jobs.submit(
      ctx.caller,
      {
        library,
        mode: stored ? 'nosave' : 'save',
        primaryKey: mediaId,
        input: { type: 'Media', source: mediaId },
        userData: ctx.params.UserData,
        callback: callbackOf(ctx.params.UserData),
      },
      undefined,
      'aliyun',
    );
    return { AIJobList: { AIJob: [{ JobId: job.id, MediaId: mediaId, Type: 'AIMediaDNA' }] } };
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

  async SubmitMediaDNADeleteJob(ctx) {
    const mediaId = required(ctx.params, 'MediaId');
    const last = await latestJob(ctx, mediaId);
    const job = await ctx.services.jobs.submit(ctx.caller, { library: last.library, mode: 'delete', primaryKey: mediaId }, undefined, 'aliyun');
    return { JobId: job.id };
  },
};
