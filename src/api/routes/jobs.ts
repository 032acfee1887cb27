import type { FastifyInstance, FastifyRequest } from 'fastify';
import { VdnaError } from '../../errors.js';
import type { JobRecord, JobState } from '../../jobs/types.js';
import { MAX_JOB_IDS_PER_QUERY } from '../../jobs/types.js';
import type { JobRequest, JobService } from '../../services/job-service.js';
import { deliveryView, jobView, parseCallback, resultView } from '../../views/native.js';
import { presignFaces } from '../../views/video-tags.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { receiveMultipart } from '../uploads.js';
import { ID_PARAM, JOB, LIST_JOBS_QUERY, SUBMIT_JOB } from '../schemas.js';

const errors = {
  400: ERROR_BODY_SCHEMA,
  401: ERROR_BODY_SCHEMA,
  403: ERROR_BODY_SCHEMA,
  404: ERROR_BODY_SCHEMA,
  409: ERROR_BODY_SCHEMA,
  413: ERROR_BODY_SCHEMA,
  415: ERROR_BODY_SCHEMA,
  429: ERROR_BODY_SCHEMA,
};

/** The native fields of a job (JSON body or form fields) as the service's request. */
function jobRequest(fields: Record<string, unknown>): JobRequest {
  const input = fields.Input as { Type?: unknown; Source?: unknown } | undefined;
  return {
    kind: fields.Kind,
    types: fields.Types,
    library: fields.Library,
    mode: fields.Mode,
    primaryKey: fields.PrimaryKey,
    priority: fields.Priority,
    userData: fields.UserData,
    queue: fields.Queue,
    ...(input !== undefined && input !== null && { input: { type: input.Type, source: input.Source } }),
    ...(fields.Callback !== undefined && { callback: parseCallback(fields.Callback) }),
  };
}

/** A multipart job: fields as text, the media streamed to the staging folder as part "Media". */
async function receiveUpload(req: FastifyRequest, jobs: JobService): Promise<JobRecord> {
  const { id, path } = jobs.newUpload();
  let received: Awaited<ReturnType<typeof receiveMultipart>>;
  try {
    // The policy is checked on the fields before the file reaches the disk.
    received = await receiveMultipart(req, path, (fields) => jobs.preflight(req.caller, jobRequest(fields)).then(() => undefined));
  } catch (err) {
    await jobs.discardUpload(id);
    throw err;
  }
  if (received.fileName === undefined) throw new VdnaError('INVALID_ARGUMENT', 'no file: send the media in a part named "Media"');
  return jobs.submit(req.caller, jobRequest(received.fields), { id, name: received.fileName });
}

function parseStates(text: string | undefined): JobState[] | undefined {
  return text ? (text.split(',').map((s) => s.trim()) as JobState[]) : undefined;
}

/** Where a job's result and a face's thumbnail are fetched without a key (presigned: object storage's, else this server's). */
export interface ResultUrls {
  result: (job: JobRecord) => Promise<string>;
  face: (faceId: string) => Promise<string>;
}

export function jobRoutes(app: FastifyInstance, jobs: JobService, urls: ResultUrls): void {
  const view = (req: FastifyRequest) => async (job: JobRecord) => jobView(job, jobs.mayReadResult(req.caller, job) ? await urls.result(job) : undefined);

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job: JSON, or multipart/form-data with the media as part "Media" (vdna:SubmitJob on its library)',
        body: SUBMIT_JOB,
        response: { 201: JOB, ...errors },
      },
      // The JSON schema describes JSON bodies; multipart bodies are checked field by field instead.
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError && !req.isMultipart()) throw req.validationError;
      let job: JobRecord;
      if (req.isMultipart()) {
        job = await receiveUpload(req, jobs);
      } else {
        if (!req.body || typeof req.body !== 'object') throw new VdnaError('MALFORMED_REQUEST', 'send the job as a JSON object or multipart/form-data');
        job = await jobs.submit(req.caller, jobRequest(req.body));
      }
      req.log.info({ jobId: job.id, library: job.library, mode: job.mode, input: job.input?.type }, 'job submitted');
      return reply.status(201).send(await view(req)(job));
    },
  );

  app.get<{ Querystring: { JobIds?: string; State?: string; Library?: string; Queue?: string; Since?: string; Until?: string; Limit: number; Cursor?: string } }>(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: `Jobs by id (at most ${MAX_JOB_IDS_PER_QUERY}), or filtered by state, library, queue and creation time, newest first (vdna:GetJob / vdna:ListJobs)`,
        querystring: LIST_JOBS_QUERY,
        response: {
          200: {
            type: 'object',
            properties: {
              Jobs: { type: 'array', items: JOB },
              NonExistJobIds: { type: 'array', items: { type: 'string' } },
              NextCursor: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.JobIds !== undefined) {
        const found = await jobs.getMany(req.caller, q.JobIds.split(',').map((s) => s.trim()).filter(Boolean));
        return { Jobs: await Promise.all(found.jobs.map(view(req))), NonExistJobIds: found.unknown };
      }
      const page = await jobs.list(req.caller, {
        states: parseStates(q.State),
        library: q.Library,
        queue: q.Queue,
        since: q.Since,
        until: q.Until,
        limit: q.Limit,
        cursor: q.Cursor,
      });
      return { Jobs: await Promise.all(page.jobs.map(view(req))), ...(page.nextCursor && { NextCursor: page.nextCursor }) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'A job: state, progress, code and message (vdna:GetJob)', params: ID_PARAM, response: { 200: JOB, ...errors } } },
    async (req) => view(req)(await jobs.get(req.caller, req.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/result',
    {
      schema: {
        tags: ['jobs'],
        summary:
          'The result document of an ended job: matches with segments, whether it was saved (vdna:GetJobResult, or the presigned ResultUrl without a key)',
        params: ID_PARAM,
        response: { ...errors },
      },
    },
    async (req) => {
      const { job, result } = req.presigned ? await jobs.resultById(req.params.id) : await jobs.result(req.caller, req.params.id);
      return resultView(job, result, await presignFaces(result, urls.face));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/cancel',
    { schema: { tags: ['jobs'], summary: 'Cancel a queued, paused or running job (vdna:CancelJob)', params: ID_PARAM, response: { 200: JOB, ...errors } } },
    async (req) => view(req)(await jobs.cancel(req.caller, req.params.id)),
  );

  app.get<{ Querystring: { Limit?: number; Cursor?: string } }>(
    '/v1/deliveries/failed',
    {
      schema: {
        tags: ['jobs'],
        summary: "The dead letters: the account's callback deliveries that failed every attempt, newest first (vdna:ListDeadLetters)",
        querystring: { type: 'object', additionalProperties: false, properties: { Limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, Cursor: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', properties: { Deliveries: { type: 'array', items: { type: 'object', additionalProperties: true } }, NextCursor: { type: 'string' } } }, ...errors },
      },
    },
    async (req) => {
      const page = await jobs.deadLetters(req.caller, { limit: req.query.Limit, cursor: req.query.Cursor });
      return { Deliveries: page.deliveries.map(deliveryView), ...(page.nextCursor && { NextCursor: page.nextCursor }) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/deliveries/:id/replay',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Send a failed callback delivery again: a new round of attempts (vdna:ReplayDelivery)',
        params: ID_PARAM,
        response: { 200: { type: 'object', additionalProperties: true }, ...errors },
      },
    },
    async (req) => deliveryView(await jobs.replay(req.caller, Number(req.params.id))),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/deliveries',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Callback deliveries of a job, with every attempt (vdna:GetJob)',
        params: ID_PARAM,
        response: { 200: { type: 'object', properties: { Deliveries: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...errors },
      },
    },
    async (req) => ({ Deliveries: (await jobs.deliveries(req.caller, req.params.id)).map(deliveryView) }),
  );
}
