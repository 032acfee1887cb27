import type { FastifyInstance } from 'fastify';
import type { JobService } from '../../services/job-service.js';
import { parseCallback, queueView } from '../../views/native.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { CONFIGURE_QUEUE, NAME_PARAM, QUEUE } from '../schemas.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA };

export function queueRoutes(app: FastifyInstance, jobs: JobService): void {
  app.get(
    '/v1/queues',
    {
      schema: {
        tags: ['queues'],
        summary: 'Queues with their state, default callback and job counts (vdna:ListQueues)',
        response: { 200: { type: 'object', properties: { Queues: { type: 'array', items: QUEUE } } }, ...errors },
      },
    },
    async (req) => ({ Queues: (await jobs.queues(req.caller)).map(queueView) }),
  );

  app.put<{ Params: { name: string }; Body: { Callback?: unknown } }>(
    '/v1/queues/:name',
    {
      schema: {
        tags: ['queues'],
        summary: 'Create a queue or set its default callback; null removes it (vdna:ConfigureQueue)',
        params: NAME_PARAM,
        body: CONFIGURE_QUEUE,
        response: { 200: QUEUE, ...errors },
      },
    },
    async (req) => queueView(await jobs.configureQueue(req.caller, req.params.name, req.body.Callback === null ? null : parseCallback(req.body.Callback))),
  );

  for (const [action, paused] of [['pause', true], ['resume', false]] as const) {
    app.post<{ Params: { name: string } }>(
      `/v1/queues/:name/${action}`,
      {
        schema: {
          tags: ['queues'],
          summary: paused
            ? 'Pause a queue: its waiting jobs show Paused, running jobs finish (vdna:PauseQueue)'
            : 'Resume a paused queue (vdna:ResumeQueue)',
          params: NAME_PARAM,
          response: { 200: QUEUE, ...errors },
        },
      },
      async (req) => queueView(await jobs.setPaused(req.caller, req.params.name, paused)),
    );
  }
}
