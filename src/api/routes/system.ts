import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { AccessService } from '../../services/access-service.js';
import type { WorkerPool } from '../../worker/pool.js';
import type { JobQueue } from '../../jobs/queue.js';

export function systemRoutes(app: FastifyInstance, deps: { jobs: JobQueue; workers: WorkerPool; metrics: Metrics; access: AccessService }): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and readiness: the database answers (no key needed)',
        response: { 200: { type: 'object', properties: { Status: { type: 'string' }, Workers: { type: 'integer' }, Busy: { type: 'integer' } } } },
      },
    },
    async () => {
      const counts = await deps.jobs.stateCounts();
      return { Status: 'ok', Workers: deps.workers.size, Busy: counts.Running ?? 0 };
    },
  );

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (vdna:ReadMetrics on system/metrics)' } }, async (req, reply) => {
    await deps.access.checkMetrics(req.caller);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
