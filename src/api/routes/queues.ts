import type { FastifyInstance } from 'fastify';
import { VdnaError } from '../../errors.js';
import { checkCallback, type CallbackConfig } from '../../notify/callbacks.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { JobRunner } from '../../jobs/runner.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { CONFIGURE_QUEUE, NAME_PARAM, QUEUE } from '../schemas.js';
import { NAME } from '../../vdna.js';
import { parseCallback } from '../submission.js';

const errors = { 400: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA };

export function queueRoutes(app: FastifyInstance, jobs: JobStore, runner: JobRunner, callbacks: Pick<CallbackConfig, 'urlPolicy' | 'redisUrl'>): void {
  app.get(
    '/v1/queues',
    { schema: { tags: ['queues'], summary: 'Queues with their state, default callback and job counts', response: { 200: { type: 'object', properties: { Queues: { type: 'array', items: QUEUE } } } } } },
    async () => ({ Queues: jobs.queues() }),
  );

  app.put<{ Params: { name: string }; Body: { Callback?: unknown } }>(
    '/v1/queues/:name',
    { schema: { tags: ['queues'], summary: "Create a queue or set its default callback (null removes it)", params: NAME_PARAM, body: CONFIGURE_QUEUE, response: { 200: QUEUE, ...errors } } },
    async (req) => {
      if (!NAME.test(req.params.name)) throw new VdnaError('INVALID_ARGUMENT', `invalid queue name "${req.params.name}"`);
      const callback = req.body.Callback === null ? null : parseCallback(req.body.Callback);
      if (callback) checkCallback(callbacks, callback);
      return jobs.configureQueue(req.params.name, callback);
    },
  );

  for (const [action, paused] of [['pause', true], ['resume', false]] as const) {
    app.post<{ Params: { name: string } }>(
      `/v1/queues/:name/${action}`,
      {
        schema: {
          tags: ['queues'],
          summary: paused ? 'Pause a queue: its waiting jobs show Paused, running jobs finish' : 'Resume a paused queue',
          params: NAME_PARAM,
          response: { 200: QUEUE, ...errors },
        },
      },
      async (req) => {
        const queue = jobs.setPaused(req.params.name, paused);
        if (!paused) runner.pump();
        return queue;
      },
    );
  }
}
