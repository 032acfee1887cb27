/** The DNA service: the HTTP API, the job runner and the callback dispatcher on one data directory. */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { readdirSync, rmSync } from 'node:fs';
import { CallbackDispatcher, type CallbackConfig } from '../notify/callbacks.js';
import type { InputConfig } from '../jobs/inputs.js';
import { JobStore } from '../jobs/job-store.js';
import { JobRunner } from '../jobs/runner.js';
import { FINAL_STATES } from '../jobs/types.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { Vdna } from '../vdna.js';
import type { ServiceConfig } from './config.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { Metrics } from './metrics.js';
import { jobRoutes } from './routes/jobs.js';
import { libraryRoutes } from './routes/libraries.js';
import { queueRoutes } from './routes/queues.js';
import { systemRoutes } from './routes/system.js';

export const API_VERSION = '1.0.0';

export interface Service {
  app: FastifyInstance;
  vdna: Vdna;
  jobs: JobStore;
  runner: JobRunner;
  /** Listens, then starts the workers and the callback dispatcher. Resolves with the base URL. */
  start(): Promise<string>;
  /** Stops taking requests and jobs; running jobs go back to the queue. */
  close(): Promise<void>;
}

/** Staged files whose job no longer waits for them (a crash between upload and submit, or after the end). */
function removeOrphanStaging(dir: string, jobs: JobStore): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const job = jobs.get(name.split('.')[0]);
    if (!job || name.endsWith('.part') || FINAL_STATES.includes(job.State)) rmSync(join(dir, name), { force: true });
  }
}

export function createService(cfg: ServiceConfig): Service {
  const store = new SqliteStore(cfg.dataDir);
  const vdna = new Vdna({ store });
  const jobs = new JobStore(store.db);
  let baseUrl = cfg.publicUrl ?? `http://${cfg.host}:${cfg.port}`;
  const resultUrl = (id: string) => `${baseUrl}/v1/jobs/${id}/result`;
  const urlPolicy = { allowPrivate: cfg.allowPrivateUrls };
  const inputs: InputConfig = {
    stagingDir: join(cfg.dataDir, 'staging'),
    maxBytes: cfg.maxUploadBytes,
    downloadTimeoutMs: cfg.downloadTimeoutMs,
    urlPolicy,
    allowedRoots: cfg.allowedRoots,
    s3: cfg.s3,
  };
  const callbacks: CallbackConfig = {
    secret: cfg.callbackSecret,
    maxAttempts: cfg.callbackMaxAttempts,
    backoffMs: cfg.callbackBackoffMs,
    timeoutMs: cfg.callbackTimeoutMs,
    urlPolicy,
    redisUrl: cfg.redisUrl,
    resultUrl,
  };
  let metrics: Metrics | undefined;
  const dispatcher = new CallbackDispatcher(jobs, callbacks, (type, ok) => metrics?.callbackAttempt(type, ok));
  const runner = new JobRunner(vdna, jobs, inputs, dispatcher, cfg.workers, {
    onJobEnd: (job, seconds) => {
      metrics?.jobEnded(job, seconds);
      app.log.info({ jobId: job.JobId, state: job.State, code: job.Code, seconds }, 'job ended');
    },
  });
  metrics = new Metrics(jobs, () => runner.activeCount);

  const app = Fastify({
    logger: { level: cfg.logLevel },
    bodyLimit: 1 << 20,
    genReqId: () => Math.random().toString(36).slice(2, 12),
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onResponse', async (req, reply) => {
    metrics!.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  void app.register(multipart, {
    limits: { fileSize: cfg.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 22 },
  });
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'vdna',
        version: API_VERSION,
        description:
          'Self-hosted media DNA: libraries of fingerprints, asynchronous save/search/delete jobs, and completion callbacks. ' +
          'Errors are {Code, Message, RequestId} with a stable Code. Callbacks carry X-Vdna-Signature: t=<ms>,sha256=<hex HMAC-SHA256 of "<t>.<body>">.',
      },
      tags: [
        { name: 'libraries', description: 'DNA libraries and their items' },
        { name: 'jobs', description: 'Asynchronous save, search and delete jobs' },
        { name: 'queues', description: 'Pause, resume and default callbacks' },
        { name: 'system', description: 'Health and metrics' },
      ],
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
  void app.register(async (scope) => {
    libraryRoutes(scope, vdna);
    jobRoutes(scope, { vdna, jobs, runner, inputs, callbacks, resultUrl });
    queueRoutes(scope, jobs, runner, callbacks);
    systemRoutes(scope, vdna, runner, metrics!);
  });

  return {
    app,
    vdna,
    jobs,
    runner,
    async start() {
      const address = await app.listen({ host: cfg.host, port: cfg.port });
      if (!cfg.publicUrl) baseUrl = address;
      removeOrphanStaging(inputs.stagingDir, jobs);
      const recovered = runner.start();
      if (recovered.requeued || recovered.failed) app.log.warn(recovered, 'jobs interrupted by the last stop');
      dispatcher.start();
      return baseUrl;
    },
    async close() {
      await app.close();
      await runner.stop();
      await dispatcher.stop();
      vdna.close();
    },
  };
}
