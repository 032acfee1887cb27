/**
 * The DNA service, wired in one place: the engine's stores, the services, the job runner with its
 * kinds, the callback dispatcher with each door's event formatter, and the HTTP API in front.
 */
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadMasterKey } from '../access/secrets.js';
import { VdnaError } from '../errors.js';
import { MAX_JOB_ATTEMPTS } from '../jobs/runner.js';
import { FINAL_STATES, type JobRecord } from '../jobs/types.js';
import { CallbackDispatcher, type CallbackConfig } from '../notify/callbacks.js';
import type { NewKey } from '../services/access-service.js';
import { createServices, type Services } from '../services/index.js';
import { openStores } from '../stores.js';
import { WorkerPool } from '../worker/pool.js';
import { nativeEvents } from '../views/native-events.js';
import { RESULT_RENDERINGS } from '../views/native.js';
import type { BlobStore } from '../store/blobs.js';
import { aliyunDoor } from './aliyun/door.js';
import { aliyunEvents } from './aliyun/events.js';
import { installAuth, isLoopbackHost } from './auth.js';
import { lockDataDir } from './data-lock.js';
import { installHostCheck } from './host-check.js';
import { tencentDoor } from './tencent/door.js';
import { tencentEvents } from './tencent/events.js';
import { inputConfig, type ServiceConfig } from './config.js';
import { clientError, errorHandler, notFoundHandler } from './errors.js';
import { Metrics } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { callerRoutes } from './routes/caller.js';
import { jobRoutes } from './routes/jobs.js';
import { libraryRoutes } from './routes/libraries.js';
import { libraryItemRoutes } from './routes/library-item.js';
import { mediaContentRoutes } from './routes/media-content.js';
import { mediaRoutes } from './routes/media.js';
import { queueRoutes } from './routes/queues.js';
import { systemRoutes } from './routes/system.js';
import { personRoutes } from './routes/persons.js';
import { PUBLIC_DIR, webRoutes } from './routes/web.js';

export const API_VERSION = '1.1.0';

export interface Service {
  app: FastifyInstance;
  services: Services;
  workers: WorkerPool;
  /** Listens, then starts the workers and the callback dispatcher. Resolves with the base URL. */
  start(): Promise<string>;
  /** The root admin key made on the first start (shown once), if this start made one. */
  firstKey?: NewKey;
  /** Stops taking requests and jobs, lets running jobs finish (or go back to the queue), flushes callbacks. */
  close(): Promise<void>;
}

/**
 * Staged files whose job no longer waits for them (a crash between upload and submit, or after the end;
 * a job cancelled or failed while object storage was down). On a shared database other servers may be
 * staging right now: only ended jobs' files go.
 */
async function removeOrphanStaging(dir: string, services: Services): Promise<void> {
  const { shared, jobs, blobs } = services.stores;
  const ended = async (name: string) => {
    const job = await jobs.byId(name.split('.')[0]);
    return job ? FINAL_STATES.includes(job.state) : undefined;
  };
  // This machine's: downloads, uploads arriving, and (on local disk) the uploads themselves.
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // None staged yet.
  }
  for (const name of names) {
    const orphan = (await ended(name)) ?? !shared;
    if (orphan || (!shared && name.endsWith('.part'))) rmSync(join(dir, name), { force: true });
  }
  // Uploads kept in object storage (on local disk, the same files: none of an ended job is left).
  for (const key of await blobs.list('staging/')) if (await ended(key.slice('staging/'.length))) await blobs.delete(key);
}

/** The origin of the blobs' own presigned URLs (object storage's), if they hand any out. */
async function blobOrigin(blobs: BlobStore): Promise<string | undefined> {
  try {
    const url = await blobs.presignedGet('faces/origin.jpg', new Date(Date.now() + 60_000));
    return url && new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The executable a worker process runs (bin/vdna.js beside dist/). */
const VDNA_BIN = new URL('../../../bin/vdna.js', import.meta.url).pathname;

export async function createService(cfg: ServiceConfig): Promise<Service> {
  if (cfg.noAuth && !isLoopbackHost(cfg.host)) {
    throw new VdnaError('INVALID_ARGUMENT', `--no-auth is only possible on a loopback address, not ${cfg.host}`);
  }
  const stores = await openStores(cfg.dataDir);
  // One server per data directory on the embedded engine; servers sharing a database may share one too.
  let unlock: () => void;
  try {
    unlock = stores.shared ? () => undefined : lockDataDir(cfg.dataDir);
  } catch (err) {
    await stores.close();
    throw err;
  }
  let baseUrl = cfg.publicUrl ?? `http://${cfg.host}:${cfg.port}`;
  const inputs = inputConfig(cfg);
  const callbacks: CallbackConfig = {
    maxAttempts: cfg.callbackMaxAttempts,
    backoffMs: cfg.callbackBackoffMs,
    timeoutMs: cfg.callbackTimeoutMs,
    urlPolicy: inputs.urlPolicy,
    redisUrl: cfg.redisUrl,
  };
  const services = createServices(stores, loadMasterKey(cfg.dataDir), {
    inputs,
    callbacks,
    access: { rateLimit: cfg.rateLimit, resultUrlTtlSeconds: cfg.resultUrlTtlSeconds },
    // The renderings this server hands out object storage's URLs of; its workers keep the same.
    renderings: RESULT_RENDERINGS,
  });
  const { access } = services;
  const firstKey = await access.bootstrap({ adminToken: cfg.adminToken, accessKeys: cfg.accessKeys, defaultCallbackSecret: cfg.callbackSecret });
  // Presigned URLs of bytes that are blobs: object storage's own when it is configured, else this
  // server's (which also keep answering those handed out before). One lifetime for both.
  const resultUrl = async (job: JobRecord) => {
    const expiresAt = access.urlExpiry();
    return (await services.jobs.resultUrl(job, 'native' satisfies keyof typeof RESULT_RENDERINGS, expiresAt)) ?? `${baseUrl}${access.presignPath(`/v1/jobs/${job.id}/result`, expiresAt)}`;
  };
  const faceUrl = async (faceId: string) => {
    const expiresAt = access.urlExpiry();
    return (await services.jobs.faceUrl(faceId, expiresAt)) ?? `${baseUrl}${access.presignPath(`/v1/faces/${faceId}`, expiresAt)}`;
  };
  // What the web page may load besides this server's own files: object storage's URLs (media, faces).
  const storageOrigin = await blobOrigin(stores.blobs);

  const metrics = new Metrics(stores.jobs);
  const dispatcher = new CallbackDispatcher(
    {
      jobs: stores.jobs,
      outbox: stores.outbox,
      resultOf: (job) => services.jobs.endedResult(job),
      formatters: {
        native: nativeEvents(resultUrl, faceUrl),
        aliyun: aliyunEvents(faceUrl),
        tencent: tencentEvents(cfg.tencent, (account, name) => services.libraries.store.library(account, name)),
      },
      secretOf: (account) => access.callbackSecret(account),
      onAttempt: (type, ok) => metrics.callbackAttempt(type, ok),
    },
    callbacks,
  );
  const workers = new WorkerPool(stores.jobs, {
    count: cfg.workers,
    config: { dataDir: cfg.dataDir, inputs, concurrency: 1, leaseMs: cfg.leaseMs, graceMs: cfg.graceMs },
    entry: VDNA_BIN,
    args: ['worker', '--pooled'],
    memoryMb: cfg.workerMemoryMb,
    onJobEnd: (job, seconds) => {
      metrics.jobEnded(job, seconds);
      dispatcher.kick();
      app.log.info({ jobId: job.id, state: job.state, code: job.code, seconds }, 'job ended');
    },
    onEvent: (level, message, detail) => app.log[level](detail ?? {}, message),
  });
  services.jobs.attach(workers, dispatcher);

  const app = Fastify({
    logger: {
      level: cfg.logLevel,
      // Credentials never reach the log: no headers, and a presigned URL's signature is blanked.
      serializers: {
        req: (req: { method: string; url: string; hostname?: string; ip?: string }) => ({
          method: req.method,
          url: req.url.replace(/([?&]Signature=)[^&]*/i, '$1[redacted]'),
          hostname: req.hostname,
          remoteAddress: req.ip,
        }),
      },
    },
    bodyLimit: 1 << 20,
    genReqId: () => Math.random().toString(36).slice(2, 12),
    // Errors met before routing (a path parameter too long, a malformed URL) and by the HTTP parser
    // (headers too large) answer in vdna's shape too.
    frameworkErrors: (err, req, reply) => errorHandler(err, req, reply),
    clientErrorHandler: clientError,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  installHostCheck(app, [cfg.host, ...(cfg.publicUrl ? [new URL(cfg.publicUrl).host] : []), ...cfg.allowedHosts]);
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
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
          'Self-hosted media DNA: libraries of fingerprints, asynchronous save/search/delete and smart-tagging jobs, completion callbacks, and accounts with keys and policies. ' +
          'Every call but /healthz and the docs needs Authorization: Bearer <token> (or a VDNA-HMAC-SHA256 signature with the access key pair); each operation is one policy action, named in its summary. ' +
          'Errors are {Code, Message, RequestId} with a stable Code (401 UNAUTHENTICATED, 403 ACCESS_DENIED, 429 Throttling). ' +
          "Callbacks carry X-Vdna-Signature: t=<ms>,sha256=<hex HMAC-SHA256 of \"<t>.<body>\"> under the account's callback secret.",
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'libraries', description: 'DNA libraries and their items' },
        { name: 'jobs', description: 'Asynchronous save, search and delete jobs' },
        { name: 'persons', description: 'The person registry smart tagging names faces from, and the faces tagging jobs found' },
        { name: 'media', description: 'The media registry: upload or name a media once, use its MediaId in jobs' },
        { name: 'queues', description: 'Pause, resume and default callbacks' },
        { name: 'admin', description: 'Accounts, keys and the audit log' },
        { name: 'system', description: 'Health and metrics' },
      ],
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
  // The native door: its own authentication (keys, signatures, presigned results) on its own routes.
  void app.register(async (native) => {
    installAuth(native, { access, noAuth: cfg.noAuth });
    libraryRoutes(native, services.libraries);
    jobRoutes(native, services.jobs, { result: resultUrl, face: faceUrl });
    personRoutes(native, services.persons, services.jobs);
    mediaRoutes(native, services.media);
    queueRoutes(native, services.jobs);
    adminRoutes(native, access);
    systemRoutes(native, { jobs: stores.jobs, workers, metrics, access });
    libraryItemRoutes(native, services.libraries);
    mediaContentRoutes(native, services.media, access);
    callerRoutes(native, access);
  });
  // The web dashboard's files (no key: the page asks for one).
  void app.register(async (web) => webRoutes(web, PUBLIC_DIR, storageOrigin ? [storageOrigin] : []));
  // The cloud doors: each parses, authenticates and renders the way its cloud's SDKs expect.
  void app.register(async (aliyun) => aliyunDoor(aliyun, services, () => baseUrl, faceUrl));
  void app.register(async (tencent) => tencentDoor(tencent, services, cfg.tencent));

  return {
    app,
    services,
    workers,
    firstKey,
    async start() {
      // Before any request: thumbnails and results an older vdna kept in the database become blobs
      // (served, and presigned by object storage, like the others). Object storage down, they wait
      // for the next start: results are read from the database meanwhile, old thumbnails not served.
      try {
        const moved = await services.moveToBlobs();
        if (moved.thumbnails || moved.results) app.log.info(moved, `moved into ${stores.blobs.where}`);
      } catch (err) {
        app.log.warn({ err }, 'could not move face thumbnails and job results from the database into the blobs; the next start tries again');
      }
      const address = await app.listen({ host: cfg.host, port: cfg.port });
      if (!cfg.publicUrl) baseUrl = address;
      await removeOrphanStaging(inputs.stagingDir, services).catch((err) => app.log.warn({ err }, 'could not sweep the staged uploads'));
      // This server holds the data directory: every job still Running was cut off by the last stop.
      // On a shared database other workers run jobs: only those whose lease ran out were cut off.
      const recovered = await stores.jobs.requeueRunning(MAX_JOB_ATTEMPTS, { expiredOnly: stores.shared });
      if (recovered.requeued || recovered.failed) app.log.warn(recovered, 'jobs interrupted by the last stop');
      workers.start();
      dispatcher.start();
      return baseUrl;
    },
    async close() {
      await app.close();
      await workers.stop();
      await dispatcher.stop();
      await services.close();
      unlock();
    },
  };
}
