import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { VdnaError } from '../../errors.js';
import { stagedPath, type InputConfig } from '../../jobs/inputs.js';
import type { JobFilter, JobStore } from '../../jobs/job-store.js';
import type { JobRunner } from '../../jobs/runner.js';
import { JOB_STATES, MAX_JOB_IDS_PER_QUERY, type Job, type JobState, type JobSubmission } from '../../jobs/types.js';
import type { MediaType } from '../../store/store.js';
import { admitMedia, type Vdna } from '../../vdna.js';
import type { CallbackConfig } from '../../notify/callbacks.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { ID_PARAM, JOB, LIST_JOBS_QUERY, SUBMIT_JOB } from '../schemas.js';
import { checkSubmission, type SubmissionFields } from '../submission.js';

export interface JobRouteContext {
  vdna: Vdna;
  jobs: JobStore;
  runner: JobRunner;
  inputs: InputConfig;
  callbacks: Pick<CallbackConfig, 'urlPolicy' | 'redisUrl'>;
  resultUrl: (jobId: string) => string;
}

const errors = { 400: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 409: ERROR_BODY_SCHEMA, 413: ERROR_BODY_SCHEMA, 415: ERROR_BODY_SCHEMA };

/**
 * Media the job's library can take (admitMedia), checked before the job queues; messages name the
 * upload as the client knows it. A query to a text library is checked when the job reads its text.
 */
async function checkMedia(path: string, shownAs: string, mediaType: MediaType, storing: boolean): Promise<void> {
  if (mediaType === 'text' && !storing) return;
  try {
    await admitMedia(path, mediaType, !storing);
  } catch (err) {
    if (err instanceof VdnaError) throw new VdnaError(err.code, err.message.split(path).join(shownAs));
    throw err;
  }
}

/** A multipart job: fields as text, the media streamed to the staging folder (size-limited) as part "Media". */
async function receiveUpload(req: FastifyRequest, ctx: JobRouteContext, id: string): Promise<JobSubmission> {
  const fields: Record<string, unknown> = {};
  const part = `${stagedPath(ctx.inputs, id)}.part`;
  let staged = part;
  let fileName: string | undefined;
  try {
    for await (const p of req.parts()) {
      if (p.type === 'field') {
        fields[p.fieldname] = p.value;
        continue;
      }
      const file = p as MultipartFile;
      if (file.fieldname !== 'Media' || fileName !== undefined) {
        file.file.resume();
        throw new VdnaError('INVALID_ARGUMENT', 'send exactly one file, in the part named "Media"');
      }
      fileName = file.filename || 'upload';
      await mkdir(ctx.inputs.stagingDir, { recursive: true });
      await pipeline(file.file, createWriteStream(part));
    }
    if (fileName === undefined) throw new VdnaError('INVALID_ARGUMENT', 'no file: send the media in a part named "Media"');
    const submission = checkSubmission(fields as SubmissionFields, ctx, fileName);
    // Staged under its own extension, which tells subtitles and text from media.
    staged = stagedPath(ctx.inputs, id, submission.Input);
    await rename(part, staged);
    await checkMedia(staged, fileName, ctx.vdna.library(submission.Library).mediaType, submission.Mode !== 'nosave');
    return submission;
  } catch (err) {
    await unlink(staged).catch(() => undefined);
    throw err;
  }
}

function parseStates(text: string | undefined): JobState[] | undefined {
  if (!text) return undefined;
  const states = text.split(',').map((s) => s.trim());
  const unknown = states.find((s) => !JOB_STATES.includes(s as JobState));
  if (unknown) throw new VdnaError('INVALID_ARGUMENT', `unknown state "${unknown}" (use ${JOB_STATES.join(', ')})`);
  return states as JobState[];
}

export function jobRoutes(app: FastifyInstance, ctx: JobRouteContext): void {
  const view = (job: Job) => ({ ...job, ResultUrl: ctx.resultUrl(job.JobId) });

  app.post<{ Body: SubmissionFields }>(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit a job (JSON, or multipart/form-data with the media as part "Media")',
        body: SUBMIT_JOB,
        response: { 201: JOB, ...errors },
      },
      // The JSON schema describes JSON bodies; multipart bodies are checked field by field instead.
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError && !req.isMultipart()) throw req.validationError;
      const id = randomBytes(16).toString('hex');
      let submission: JobSubmission;
      if (req.isMultipart()) {
        submission = await receiveUpload(req, ctx, id);
      } else {
        if (!req.body || typeof req.body !== 'object') throw new VdnaError('MALFORMED_REQUEST', 'send the job as a JSON object or multipart/form-data');
        submission = checkSubmission(req.body, ctx);
        if (submission.Input?.Type === 'Path') {
          const { mediaType } = ctx.vdna.library(submission.Library);
          await checkMedia(submission.Input.Source, submission.Input.Source, mediaType, submission.Mode !== 'nosave');
        }
      }
      const job = ctx.jobs.submit(submission, id);
      req.log.info({ jobId: id, library: job.Library, mode: job.Mode, input: job.Input?.Type }, 'job submitted');
      ctx.runner.pump();
      return reply.status(201).send(view(job));
    },
  );

  app.get<{ Querystring: { JobIds?: string; State?: string; Library?: string; Queue?: string; Since?: string; Until?: string; Limit: number; Cursor?: string } }>(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: `Jobs by id (at most ${MAX_JOB_IDS_PER_QUERY}), or filtered by state, library, queue and creation time, newest first`,
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
        const ids = [...new Set(q.JobIds.split(',').map((s) => s.trim()).filter(Boolean))];
        if (ids.length === 0 || ids.length > MAX_JOB_IDS_PER_QUERY) {
          throw new VdnaError('INVALID_ARGUMENT', `give 1-${MAX_JOB_IDS_PER_QUERY} job ids`);
        }
        const jobs = ctx.jobs.getMany(ids);
        const found = new Set(jobs.map((j) => j.JobId));
        return { Jobs: jobs.map(view), NonExistJobIds: ids.filter((id) => !found.has(id)) };
      }
      const filter: JobFilter = {
        states: parseStates(q.State),
        library: q.Library,
        queue: q.Queue,
        since: q.Since && new Date(q.Since).toISOString(),
        until: q.Until && new Date(q.Until).toISOString(),
        limit: q.Limit,
        cursor: q.Cursor,
      };
      const { jobs, nextCursor } = ctx.jobs.list(filter);
      return { Jobs: jobs.map(view), ...(nextCursor && { NextCursor: nextCursor }) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'A job: state, progress, code and message', params: ID_PARAM, response: { 200: JOB, ...errors } } },
    async (req) => view(ctx.jobs.require(req.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/result',
    {
      schema: {
        tags: ['jobs'],
        summary: 'The result document of an ended job: matches with segments, whether it was saved',
        params: ID_PARAM,
        response: { ...errors },
      },
    },
    async (req) => {
      const job = ctx.jobs.require(req.params.id);
      const result = ctx.jobs.result(job.JobId);
      return result ?? { JobId: job.JobId, State: job.State, Code: job.Code, Message: job.Message };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/cancel',
    { schema: { tags: ['jobs'], summary: 'Cancel a queued, paused or running job', params: ID_PARAM, response: { 200: JOB, ...errors } } },
    async (req) => view(ctx.jobs.cancel(req.params.id, (id) => ctx.runner.cancelRunning(id))),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/deliveries',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Callback deliveries of a job, with every attempt',
        params: ID_PARAM,
        response: { 200: { type: 'object', properties: { Deliveries: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...errors },
      },
    },
    async (req) => ({ Deliveries: ctx.jobs.deliveries(req.params.id) }),
  );
}
