import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { Vdna } from '../../vdna.js';
import type { JobRunner } from '../../jobs/runner.js';

export function systemRoutes(app: FastifyInstance, vdna: Vdna, runner: JobRunner, metrics: Metrics): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and readiness: the database answers',
        response: { 200: { type: 'object', properties: { Status: { type: 'string' }, Workers: { type: 'integer' }, Busy: { type: 'integer' } } } },
      },
    },
    async () => {
      vdna.libraries();
      return { Status: 'ok', Workers: runner.concurrency, Busy: runner.activeCount };
    },
  );

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
