/**
 * Intelligent Media Services (ICE 2020-11-09), its media-DNA and smart-tagging actions, on the
 * services: DBId is a library's id, a job's Input is an OSS object, a URL or a media, Config's SaveType
 * is the job's mode; a smart-tagging job runs every analyser (IMS's TemplateId picks algorithms vdna
 * does not have), its Params ask for the raw ASR and OCR data, and NotifyUrl receives IMS's message.
 */
import { JOB_MODES, type JobMode, type JobRecord, type TagResult } from '../../jobs/types.js';
import type { LibraryInfo } from '../../store/store.js';
import { jsonParam, listParam, required, type ActionContext, type ActionHandler } from './actions.js';
import { aliyunTime, dbInfo, fromOss, imsInput, imsStatus, imsTagStatus, MODELS } from './render.js';
import { smarttagResults } from './tags.js';
import { AliyunError } from './signature.js';

async function library({ caller, services }: ActionContext, id: string): Promise<LibraryInfo> {
  return services.libraries.requireById(caller.account, id);
}

async function jobEntry(ctx: ActionContext, job: JobRecord) {
  const lib = await ctx.services.libraries.store.library(job.account, job.library);
  return {
    Id: job.id,
    DBId: lib?.id ?? '',
    PrimaryKey: job.primaryKey ?? '',
    Status: imsStatus(job.state),
    Code: job.state === 'Success' ? 'Success' : (job.code ?? ''),
    Message: job.message ?? '',
    Config: JSON.stringify({ SaveType: job.mode, MediaType: lib?.mediaType ?? 'video' }),
    UserData: job.userData ?? '',
    Input: imsInput(job.input),
    CreationTime: aliyunTime(job.createdAt),
    ...(job.completedAt && { FinishTime: aliyunTime(job.completedAt) }),
    ...(job.state === 'Success' && ctx.services.jobs.mayReadResult(ctx.caller, job) && { DNAResult: ctx.dnaResultUrl(job.id) }),
  };
}

export const IMS_ACTIONS: Record<string, ActionHandler> = {
  async CreateDNADB(ctx) {
    const name = required(ctx.params, 'Name');
    const model = ctx.params.Model || 'Video';
    if (!Object.hasOwn(MODELS, model)) throw new AliyunError(400, 'InvalidParameter', 'Model must be Video, Audio, Image or Text.');
    const lib = await ctx.services.libraries.create(ctx.caller, name, MODELS[model], ctx.params.Description ?? '');
    return { DBInfo: dbInfo(lib) };
  },

  async ListDNADB(ctx) {
    const ids = listParam(ctx.params, 'DBIds');
    const all = await ctx.services.libraries.list(ctx.caller);
    return { DBList: (ids.length ? all.filter((l) => ids.includes(l.id)) : all).map(dbInfo) };
  },

  async DeleteDNADB(ctx) {
    await ctx.services.libraries.delete(ctx.caller, (await library(ctx, required(ctx.params, 'DBId'))).name);
    return {};
  },

  async SubmitDNAJob(ctx) {
    const lib = await library(ctx, required(ctx.params, 'DBId'));
    const primaryKey = required(ctx.params, 'PrimaryKey');
    const input = jsonParam<{ Type?: string; Media?: string }>(ctx.params, 'Input');
    if (!input?.Media || (input.Type !== 'OSS' && input.Type !== 'Media')) {
      throw new AliyunError(400, 'InvalidParameter', 'Input must be {"Type":"OSS"|"Media","Media":"..."}.');
    }
    const config = jsonParam<{ SaveType?: string }>(ctx.params, 'Config') ?? {};
    const mode = (config.SaveType ?? 'save') as JobMode;
    if (!JOB_MODES.includes(mode) || mode === 'delete') throw new AliyunError(400, 'InvalidParameter', 'Config.SaveType must be nosave, save, forcesave or onlysave.');
    const source = input.Type === 'Media' ? { type: 'Media' as const, source: input.Media } : fromOss(input.Media);
    const job = await ctx.services.jobs.submit(
      ctx.caller,
      { library: lib.name, mode, primaryKey, input: source, userData: ctx.params.UserData, priority: 1 },
      undefined,
      'aliyun',
    );
    return { JobId: job.id };
  },

  async SubmitSmarttagJob(ctx) {
    const input = jsonParam<{ Type?: string; Media?: string }>(ctx.params, 'Input');
    if (!input?.Media || !['OSS', 'Media', 'URL'].includes(input.Type ?? '')) {
      throw new AliyunError(400, 'InvalidParameter', 'Input must be {"Type":"OSS"|"Media"|"URL","Media":"..."}.');
    }
    const raw = smarttagParams(ctx.params.Params);
    const source = input.Type === 'Media' ? { type: 'Media' as const, source: input.Media } : fromOss(input.Media);
    const notify = ctx.params.NotifyUrl;
    const job = await ctx.services.jobs.submit(
      ctx.caller,
      {
        kind: 'tag',
        input: source,
        userData: ctx.params.UserData,
        ...(input.Type === 'Media' && { primaryKey: input.Media }),
        ...(notify && { callback: { type: 'http', url: notify, format: 'json' } }),
      },
      undefined,
      'aliyun',
      { product: 'ims', rawData: (['asr', 'ocr'] as const).filter((t) => raw[t]) },
    );
    return { JobId: job.id };
  },

  async QuerySmarttagJob(ctx) {
    const job = await ctx.services.jobs.get(ctx.caller, required(ctx.params, 'JobId'));
    if (job.kind !== 'tag') throw new AliyunError(404, 'InvalidParameter.ResourceNotFound', `no smart tagging job ${job.id}.`);
    const raw = job.options?.rawData ?? [];
    const want = { asr: raw.includes('asr'), ocr: raw.includes('ocr') };
    const readable = job.state === 'Success' && ctx.services.jobs.mayReadResult(ctx.caller, job);
    const result = readable ? ((await ctx.services.jobs.result(ctx.caller, job.id)).result as TagResult) : undefined;
    return {
      JobStatus: imsTagStatus(job.state),
      UserData: job.userData ?? '',
      Results: { Result: result ? smarttagResults(result, want, await ctx.faceUrls(result)) : [] },
    };
  },

  async QueryDNAJobList(ctx) {
    const ids = listParam(ctx.params, 'JobIds');
    if (ids.length === 0) return { JobList: [] };
    const { jobs } = await ctx.services.jobs.getMany(ctx.caller, ids);
    return { JobList: await Promise.all(jobs.map((j) => jobEntry(ctx, j))) };
  },

  async CancelDNAJob(ctx) {
    const job = await ctx.services.jobs.cancel(ctx.caller, required(ctx.params, 'JobId'));
    return { JobId: job.id };
  },

  async ListDNAFiles(ctx) {
    const lib = await library(ctx, required(ctx.params, 'DBId'));
    const size = ctx.params.PageSize ? Number(ctx.params.PageSize) : 20;
    if (!Number.isInteger(size) || size < 1 || size > 100) throw new AliyunError(400, 'InvalidParameter', 'PageSize must be 1-100.');
    const page = await ctx.services.libraries.items(ctx.caller, lib.name, { limit: size, cursor: ctx.params.NextPageToken || undefined });
    return {
      FileList: page.items.map((i) => ({ PrimaryKey: i.key, InputFile: inputFile(i.source) })),
      NextPageToken: page.nextCursor ?? '',
    };
  },

  async DeleteDNAFiles(ctx) {
    const lib = await library(ctx, required(ctx.params, 'DBId'));
    await ctx.services.libraries.deleteItems(ctx.caller, lib.name, listParam(ctx.params, 'PrimaryKeys'));
    return {};
  },
};

/** Where an item came from, as IMS's InputFile: the bucket and object of an OSS/S3 input, else the source as the object. */
function inputFile(source: string) {
  const s3 = /^s3:s3:\/\/([^/]+)\/(.+)$/.exec(source);
  return s3 ? { Bucket: s3[1], Location: '', Object: s3[2] } : { Bucket: '', Location: '', Object: source.replace(/^\w+:/, '') };
}

/** SubmitSmarttagJob's Params: whether the raw ASR and OCR data are wanted. */
function smarttagParams(text?: string): { asr: boolean; ocr: boolean } {
  const params = jsonParam<{ needAsrData?: unknown; needOcrData?: unknown }>({ Params: text ?? '' }, 'Params') ?? {};
  const flag = (v: unknown) => v === true || v === 'true';
  return { asr: flag(params.needAsrData), ocr: flag(params.needOcrData) };
}
