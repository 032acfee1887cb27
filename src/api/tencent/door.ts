/**
 * The Tencent Cloud door, under /tencent: Cloud Infinite's media-job API for Tag DNA — POST /jobs,
 * GET /jobs/{id}, GET /jobs, PUT /jobs/{id}?cancel, GET /dnadb, GET /dnadb_files — signed with COS
 * signature v5 (with or without the /tencent prefix in the signed path), answered in XML with
 * x-ci-request-id, errors as <Error><Code/><Message/><RequestId/></Error>.
 *
 * The COS SDK retries any 5xx answer with the same body (marked x-cos-sdk-retry): a retried POST /jobs
 * answers the job the first attempt made instead of making a second one.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import type { Caller } from '../../access/caller.js';
import { VdnaError, type ErrorCode } from '../../errors.js';
import type { CallbackTarget, JobRecord } from '../../jobs/types.js';
import type { Services } from '../../services/index.js';
import { TencentError, verifyCosSignature, type CosRequest } from './cos-signature.js';
import {
  dbId,
  fromTencentTime,
  jobIdOf,
  jobsDetail,
  libraryIdOf,
  parseRequestBody,
  queueNameOf,
  RULES,
  statesOf,
  tencentTime,
  toXml,
  type TencentConfig,
} from './render.js';

export const TENCENT_PREFIX = '/tencent';

const CODES: Partial<Record<ErrorCode, [number, string]>> = {
  INVALID_ARGUMENT: [400, 'InvalidArgument'],
  MALFORMED_REQUEST: [400, 'InvalidArgument'],
  UNKNOWN_LIBRARY: [400, 'InvalidArgument'],
  UNKNOWN_JOB: [404, 'NoSuchResource'],
  UNKNOWN_KEY: [404, 'NoSuchResource'],
  DUPLICATE_KEY: [400, 'InvalidArgument'],
  JOB_NOT_CANCELLABLE: [400, 'InvalidArgument'],
  ACCESS_DENIED: [403, 'AccessDenied'],
  UNAUTHENTICATED: [403, 'InvalidAccessKeyId'],
  Throttling: [503, 'SlowDown'],
  URL_NOT_ALLOWED: [403, 'AccessDenied'],
  PATH_NOT_ALLOWED: [403, 'AccessDenied'],
};

function toTencent(err: unknown): TencentError {
  if (err instanceof TencentError) return err;
  if (err instanceof VdnaError) {
    const [status, code] = CODES[err.code] ?? [400, 'InvalidArgument'];
    return new TencentError(status, code, err.message);
  }
  return new TencentError(500, 'InternalError', 'internal error');
}

/** A string field of the request body (XML text or JSON), or undefined. */
function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new TencentError(400, 'InvalidArgument', `${name} must be text`);
  return value;
}

/**
 * Which job a POST /jobs made, by key and body hash, kept 15 minutes: a retry (the SDK resends after a
 * 5xx, a timeout or a reset connection) waits for the first attempt's submission, even one still running.
 */
class RetryMemory {
  private readonly made = new Map<string, { job: Promise<string>; at: number }>();
  key = (keyId: string, body: Buffer) => `${keyId}:${createHash('sha256').update(body).digest('hex')}`;
  get(key: string): Promise<string> | undefined {
    const hit = this.made.get(key);
    return hit && Date.now() - hit.at < 15 * 60_000 ? hit.job : undefined;
  }
  /** Remembers a submission under way; a failed one is forgotten (its retry submits again). */
  set(key: string, job: Promise<string>): void {
    this.made.set(key, { job, at: Date.now() });
    job.catch(() => this.made.delete(key));
    if (this.made.size > 10_000) for (const [k, v] of this.made) if (Date.now() - v.at >= 15 * 60_000) this.made.delete(k);
  }
}

export function tencentDoor(app: FastifyInstance, services: Services, cfg: TencentConfig): void {
  const { access, jobs, libraries } = services;
  const retries = new RetryMemory();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1 << 20 }, (_req, body, done) => done(null, body));

  /** Authenticates with the COS v5 signature; the caller acts with the signing key. */
  async function callerOf(req: FastifyRequest, requestId: string): Promise<Caller> {
    const [path, rawQuery = ''] = req.url.split('?');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
    const cos: CosRequest = { method: req.method, path, rawQuery, headers };
    const secrets = new Map<string, Awaited<ReturnType<typeof access.signingKey>>>();
    const auth = await (async () => {
      // The verifier asks for the secret of the key it finds in the header: fetch it first.
      const id = /q-ak=([^&]+)/.exec(headers.authorization ?? '')?.[1];
      if (id) {
        let keyId: string;
        try {
          keyId = decodeURIComponent(id);
        } catch {
          throw new TencentError(403, 'InvalidAccessKeyId', 'The access key Id format you provided is invalid.');
        }
        secrets.set(id, await access.signingKey(keyId));
      }
      return verifyCosSignature(cos, (keyId) => secrets.get(keyId)?.secret, { prefixes: [TENCENT_PREFIX] });
    })();
    const caller = access.callerOf(secrets.get(auth.accessKeyId)!.key, requestId);
    access.throttle(caller);
    return caller;
  }

  function send(reply: FastifyReply, requestId: string, status: number, doc: object) {
    return reply.status(status).header('x-ci-request-id', requestId).type('application/xml').send(toXml(doc));
  }

  /** Runs a handler with the caller, rendering its answer or its error the way CI does. */
  function route(handler: (req: FastifyRequest, caller: Caller, requestId: string) => Promise<object | undefined>) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      const requestId = randomBytes(12).toString('base64url');
      try {
        const caller = await callerOf(req, requestId);
        const doc = await handler(req, caller, requestId);
        return doc === undefined ? reply.status(200).header('x-ci-request-id', requestId).send('') : send(reply, requestId, 200, doc);
      } catch (err) {
        const e = toTencent(err);
        if (e.status >= 500) req.log.error({ err }, 'tencent request failed');
        return send(reply, requestId, e.status, { Error: { Code: e.code, Message: e.message, Resource: req.url.split('?')[0], RequestId: requestId, TraceId: requestId } });
      }
    };
  }

  const detail = async (job: JobRecord, caller: Caller) => {
    // DNAResult only for keys that may read results.
    const result = job.state === 'Success' && jobs.mayReadResult(caller, job) ? (await jobs.result(caller, job.id)).result : undefined;
    return jobsDetail(job, result, await libraries.store.library(job.account, job.library), cfg);
  };

  app.post(`${TENCENT_PREFIX}/jobs`, { schema: { hide: true } }, route(async (req, caller) => {
    const body = req.body as Buffer;
    const retryKey = retries.key(caller.keyId ?? caller.account, body);
    const earlier = req.headers['x-cos-sdk-retry'] === 'true' ? retries.get(retryKey) : undefined;
    if (earlier) return { Response: { JobsDetail: await detail(await jobs.get(caller, await earlier), caller) } };
    const submission = submitJob(req, caller, body);
    retries.set(retryKey, submission.then((j) => j.id));
    const job = await submission;
    return { Response: { JobsDetail: await detail(job, caller) } };
  }));

  async function submitJob(req: FastifyRequest, caller: Caller, body: Buffer): Promise<JobRecord> {
    const r = parseRequestBody(body, req.headers['content-type']);
    if (text(r.Tag, 'Tag') !== 'DNA') throw new TencentError(400, 'InvalidArgument', 'Tag must be DNA');
    const input = (r.Input ?? {}) as Record<string, unknown>;
    const op = (r.Operation ?? {}) as Record<string, unknown>;
    const dna = (op.DnaConfig ?? {}) as Record<string, unknown>;
    const rule = text(dna.RuleType, 'RuleType') as keyof typeof RULES | undefined;
    if (!rule || !Object.hasOwn(RULES, rule)) throw new TencentError(400, 'InvalidArgument', 'DnaConfig.RuleType must be GetFingerPrint, FindSimilarVideo or DeleteFingerPrint');
    const dbIdText = text(dna.DnaDbId, 'DnaDbId');
    if (!dbIdText) throw new TencentError(400, 'InvalidArgument', 'DnaConfig.DnaDbId is required');
    const library = await libraries.requireById(caller.account, libraryIdOf(dbIdText));
    const mode = RULES[rule];
    let videoId = text(dna.VideoId, 'VideoId');
    if (mode === 'delete' && !videoId) throw new TencentError(400, 'InvalidArgument', 'DnaConfig.VideoId is required to delete');
    if (mode === 'onlysave') videoId ??= `dv${randomBytes(16).toString('hex')}`;
    const object = text(input.Object, 'Input.Object');
    if (mode !== 'delete' && !object) throw new TencentError(400, 'InvalidArgument', 'Input.Object is required');
    if (mode !== 'delete' && !cfg.bucket) throw new TencentError(400, 'InvalidArgument', 'this server reads no bucket: start it with --tencent-bucket NAME (and an S3 endpoint)');
    return jobs.submit(
      caller,
      {
        library: library.name,
        mode,
        ...(videoId && { primaryKey: videoId }),
        ...(mode !== 'delete' && { input: { type: 'S3', source: `s3://${cfg.bucket}/${object!.replace(/^\/+/, '')}` } }),
        priority: text(op.JobLevel, 'JobLevel') ?? '0',
        userData: text(op.UserData, 'UserData'),
        callback: callbackOf(r),
      },
      undefined,
      'tencent',
    );
  }

  const getJobs = route(async (req, caller) => {
    const ids = (req.params as { id: string }).id.split(',').map((s) => s.trim()).filter(Boolean);
    const { jobs: found, unknown } = await jobs.getMany(caller, ids.map(jobIdOf));
    return {
      Response: {
        JobsDetail: await Promise.all(found.map((j) => detail(j, caller))),
        ...(unknown.length && { NonExistJobIds: ids.filter((id) => unknown.includes(jobIdOf(id))) }),
      },
    };
  });
  app.get(`${TENCENT_PREFIX}/jobs/:id`, { schema: { hide: true } }, getJobs);

  app.get(`${TENCENT_PREFIX}/jobs`, { schema: { hide: true } }, route(async (req, caller) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.tag && q.tag !== 'DNA') return { Response: { JobsDetail: [] } };
    const size = q.size ? Number(q.size) : 10;
    if (!Number.isInteger(size) || size < 1 || size > 100) throw new TencentError(400, 'InvalidArgument', 'size must be 1-100');
    if (q.orderByTime && q.orderByTime !== 'Desc' && q.orderByTime !== 'Asc') throw new TencentError(400, 'InvalidArgument', 'orderByTime must be Desc or Asc');
    const page = await jobs.list(caller, {
      states: statesOf(q.states),
      ...(q.queueId && { queue: queueNameOf(q.queueId) }),
      since: fromTencentTime(q.startCreationTime, 'startCreationTime'),
      until: fromTencentTime(q.endCreationTime, 'endCreationTime'),
      limit: size,
      cursor: q.nextToken || undefined,
      order: q.orderByTime === 'Asc' ? 'asc' : 'desc',
    });
    return { Response: { JobsDetail: await Promise.all(page.jobs.map((j) => detail(j, caller))), NextToken: page.nextCursor ?? '' } };
  }));

  // Cancel: PUT /jobs/{id}?cancel as the SDK sends it, and PUT /jobs/{id} as Tencent's own demo does.
  app.put(`${TENCENT_PREFIX}/jobs/:id`, { schema: { hide: true } }, route(async (req, caller) => {
    await jobs.cancel(caller, jobIdOf((req.params as { id: string }).id));
    return undefined;
  }));

  // What fails before a route runs (the Host check, a body over the limit, an unknown path) answers in CI's shape too.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    // A failure of the server's own (a 5xx) is logged, never described to the client.
    const e = err instanceof VdnaError || err instanceof TencentError ? toTencent(err) : new TencentError(status, err.statusCode === 413 ? 'EntityTooLarge' : 'InternalError', status < 500 ? err.message : 'internal error');
    if (e.status >= 500) req.log.error({ err }, 'tencent request failed');
    const requestId = randomBytes(12).toString('base64url');
    void send(reply, requestId, e.status, { Error: { Code: e.code, Message: e.message, Resource: req.url.split('?')[0], RequestId: requestId, TraceId: requestId } });
  });
  // Any other path under the door's prefix: CI's not-found.
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'],
    url: `${TENCENT_PREFIX}/*`,
    schema: { hide: true },
    handler: async (req, reply) => {
      const requestId = randomBytes(12).toString('base64url');
      return send(reply, requestId, 404, { Error: { Code: 'NoSuchResource', Message: `no ${req.method} ${req.url.split('?')[0]}`, Resource: req.url.split('?')[0], RequestId: requestId, TraceId: requestId } });
    },
  });

  app.get(`${TENCENT_PREFIX}/dnadb`, { schema: { hide: true } }, route(async (req, caller, requestId) => {
    const q = req.query as Record<string, string | undefined>;
    const { number, size } = pageParams(q);
    const all = await libraries.list(caller);
    const ids = (q.ids ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const chosen = ids.length ? all.filter((l) => ids.includes(dbId(l))) : all;
    return {
      Response: {
        ...ciPage(requestId, chosen, { number, size }, 'DNADbConfig', (l) => ({
          BucketId: cfg.bucket ?? '',
          Region: cfg.region,
          DNADbId: dbId(l),
          DNADbName: l.name,
          Capacity: l.itemCount,
          Description: l.description,
          CreateTime: tencentTime(l.createdAt),
          UpdateTime: tencentTime(l.createdAt),
        })),
        ...(ids.length && { NonExistIDs: ids.filter((id) => !chosen.some((l) => dbId(l) === id)) }),
      },
    };
  }));

  app.get(`${TENCENT_PREFIX}/dnadb_files`, { schema: { hide: true } }, route(async (req, caller, requestId) => {
    const q = req.query as Record<string, string | undefined>;
    if (!q.dnaDbId) throw new TencentError(400, 'InvalidArgument', 'dnaDbId is required');
    const { number, size } = pageParams(q);
    const library = await libraries.requireById(caller.account, libraryIdOf(q.dnaDbId));
    const prefix = cfg.bucket ? `s3:s3://${cfg.bucket}/` : 's3:';
    let items = await libraries.allItems(caller, library.name);
    if (q.object) items = items.filter((i) => i.source === `${prefix}${q.object}`);
    return {
      Response: ciPage(requestId, items, { number, size }, 'DNADbFiles', (i) => ({
          BucketId: cfg.bucket ?? '',
          Region: cfg.region,
          DNADbId: dbId(library),
          VideoId: i.key,
          Object: i.source.startsWith(prefix) ? i.source.slice(prefix.length) : i.source.replace(/^\w+:/, ''),
          ETag: '',
          CreateTime: tencentTime(i.addedAt),
          UpdateTime: tencentTime(i.addedAt),
        })),
    };
  }));
}

/** A CI page: the total, the page asked for, and its entries under `name`. */
function ciPage<T>(requestId: string, all: T[], page: { number: number; size: number }, name: string, render: (t: T) => object) {
  return {
    RequestId: requestId,
    TotalCount: all.length,
    PageNumber: page.number,
    PageSize: page.size,
    [name]: all.slice((page.number - 1) * page.size, page.number * page.size).map(render),
  };
}

function pageParams(q: Record<string, string | undefined>): { number: number; size: number } {
  const number = q.pageNumber ? Number(q.pageNumber) : 1;
  const size = q.pageSize ? Number(q.pageSize) : 10;
  if (!Number.isInteger(number) || number < 1) throw new TencentError(400, 'InvalidArgument', 'pageNumber must be 1 or more');
  if (!Number.isInteger(size) || size < 1 || size > 100) throw new TencentError(400, 'InvalidArgument', 'pageSize must be 1-100');
  return { number, size };
}

/** A job's callback: CallBack (a URL; "no" for none), CallBackFormat JSON|XML (default XML), CallBackType URL|TDMQ. */
function callbackOf(r: Record<string, unknown>): CallbackTarget | undefined {
  const type = text(r.CallBackType, 'CallBackType') ?? 'URL';
  if (type === 'TDMQ') {
    const mq = (r.CallBackMqConfig ?? {}) as Record<string, unknown>;
    const name = text(mq.MqName, 'CallBackMqConfig.MqName');
    if (!name) throw new TencentError(400, 'InvalidArgument', 'CallBackMqConfig.MqName is required when CallBackType is TDMQ');
    return { type: 'redis', stream: name };
  }
  if (type !== 'URL') throw new TencentError(400, 'InvalidArgument', 'CallBackType must be URL or TDMQ');
  const url = text(r.CallBack, 'CallBack');
  if (url === 'no') return { type: 'none' };
  if (!url) return undefined;
  const format = (text(r.CallBackFormat, 'CallBackFormat') ?? 'XML').toUpperCase();
  if (format !== 'JSON' && format !== 'XML') throw new TencentError(400, 'InvalidArgument', 'CallBackFormat must be JSON or XML');
  return { type: 'http', url, format: format === 'JSON' ? 'json' : 'xml' };
}
