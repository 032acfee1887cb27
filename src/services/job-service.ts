/**
 * Every rule of jobs and queues, for every door: what a submission may hold (modes, priority, limits,
 * inputs, callbacks), reads by id (at most ten) and by filter, cancel, pause and resume, queue
 * callbacks, results and deliveries, and the faces tagging found. Each call is checked against the
 * caller's policy on the job's library (or queue); another account's job is a missing one. Results and
 * face thumbnails are blobs (jobs/results.ts, store/faces.ts); with object storage, their URLs are its own.
 */
import { unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { Caller } from '../access/caller.js';
import { VdnaError } from '../errors.js';
import { checkInput, discardUpload, stagedPath, uploadKey, type InputConfig } from '../jobs/inputs.js';
import { checkInputAccess } from './input-access.js';
import type { JobFilter, JobQueue, QueueRecord } from '../jobs/queue.js';
import {
  DEFAULT_QUEUE,
  FINAL_STATES,
  INPUT_TYPES,
  JOB_MODES,
  JOB_STATES,
  MAX_JOB_IDS_PER_QUERY,
  PRIORITY_MAX,
  USER_DATA_MAX_BYTES,
  type CallbackTarget,
  type Door,
  type JobInput,
  type JobKindName,
  type JobMode,
  type JobOptions,
  type JobRecord,
  type JobState,
} from '../jobs/types.js';
import { checkCallback, type CallbackChecks } from '../notify/callbacks.js';
import type { Delivery, Outbox } from '../notify/outbox.js';
import type { JobResults } from '../jobs/results.js';
import { putThumbnails, thumbnailKey, THUMBNAIL_TYPE, type FaceRecord, type FaceStore, type NewFace } from '../store/faces.js';
import type { Guard } from './guard.js';
import type { LibraryService } from './library-service.js';
import type { MediaService } from './media-service.js';
import { checkKey, checkName } from './names.js';
import { pageLimit } from './paging.js';
import { parseAnalysers } from '../tagging/types.js';

/** A job as a door hands it over: fields parsed from its wire format, checked here. */
export interface JobRequest {
  /** dna (default: save, search, delete by mode) or tag. */
  kind?: unknown;
  /** Tagging: the analysers, a list or comma-separated (default all). */
  types?: unknown;
  library?: unknown;
  mode?: unknown;
  input?: { type?: unknown; source?: unknown };
  primaryKey?: unknown;
  priority?: unknown;
  userData?: unknown;
  queue?: unknown;
  callback?: CallbackTarget;
}

/** An upload the door has streamed to `uploadPath(id)`, named as the client named it. */
export interface StagedUpload {
  id: string;
  name: string;
}

export interface JobListQuery {
  states?: JobState[];
  library?: string;
  queue?: string;
  /** Jobs on one primary key, of one kind (the Alibaba door finds a media's jobs by them). */
  primaryKey?: string;
  kind?: string;
  order?: 'asc' | 'desc';
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

/** What runs jobs: told when there is new work (they also poll; a cancel reaches them through the queue). */
export interface Workers {
  kick(): void;
}

/** What delivers callbacks: told when a delivery is due now. */
export interface Deliverer {
  kick(): void;
}

export const MAX_JOBS_PER_PAGE = 100;

const bad = (message: string) => new VdnaError('INVALID_ARGUMENT', message);
const libraryResource = (name: string) => `library/${name}`;
const queueResource = (name: string) => `queue/${name}`;
/** What a job's policy checks are on: its library, or its queue for a tagging job that feeds no library. */
const jobResource = (job: { library: string; queue: string }) => (job.library ? libraryResource(job.library) : queueResource(job.queue));

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(`${name} must be a string`);
  return value;
}

function isoTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw bad(`${name} must be a date-time, like 2026-11-29T08:00:00Z`);
  return t.toISOString();
}

export class JobService {
  private workers: Workers = { kick: () => undefined };
  private deliverer: Deliverer = { kick: () => undefined };

  constructor(
    private readonly jobs: JobQueue,
    private readonly outbox: Outbox,
    private readonly faces: FaceStore,
    private readonly libraries: LibraryService,
    private readonly media: MediaService,
    private readonly guard: Guard,
    private readonly inputs: InputConfig,
    private readonly callbacks: CallbackChecks,
    private readonly results: JobResults,
  ) {}

  /** Connects the workers and the callback dispatcher (they are built after the services). */
  attach(workers: Workers, deliverer?: Deliverer): void {
    this.workers = workers;
    if (deliverer) this.deliverer = deliverer;
  }

  /** Where an upload is written while it arrives, before submit() takes it. */
  private partPath(id: string): string {
    return `${stagedPath(this.inputs, id)}.part`;
  }

  /** A new job id, and where the door streams its upload before submit() takes it. */
  newUpload(): { id: string; path: string } {
    const id = randomBytes(16).toString('hex');
    return { id, path: this.partPath(id) };
  }

  /** Removes an upload that never became a job. */
  async discardUpload(id: string): Promise<void> {
    await unlink(this.partPath(id)).catch(() => undefined);
  }

  /**
   * What a submission needs beyond SubmitJob on its library (on its queue, for a tagging job without
   * one): AddItems to store, DeleteItems to delete, SubmitJob on a queue other than the default.
   * Checked before an upload is written, and again at submit.
   */
  async preflight(
    caller: Caller,
    req: Pick<JobRequest, 'kind' | 'library' | 'mode' | 'queue'>,
  ): Promise<{ kind: JobKindName; library: string; mode: JobMode; queue: string; resource: string }> {
    const kind = (optionalString(req.kind, 'Kind') ?? 'dna') as JobKindName;
    if (kind !== 'dna' && kind !== 'tag') throw bad('Kind must be dna or tag');
    const library = optionalString(req.library, 'Library') ?? '';
    if (!library && kind === 'dna') throw bad('Library is required (send the fields before the Media part)');
    const queue = optionalString(req.queue, 'Queue') ?? DEFAULT_QUEUE;
    checkName('queue', queue);
    const mode = (optionalString(req.mode, 'Mode') ?? 'nosave') as JobMode;
    if (!JOB_MODES.includes(mode)) throw bad(`Mode must be one of ${JOB_MODES.join(', ')}`);
    if (kind === 'tag' && mode === 'delete') throw bad('a tagging job searches or stores text DNA: Mode must be nosave, save, forcesave or onlysave');
    if (kind === 'tag' && !library && mode !== 'nosave') throw bad(`Mode ${mode} stores text DNA: give the Library (a text library) to store it in`);
    if (library) checkName('library', library);
    const resource = jobResource({ library, queue });
    await this.guard.check(caller, 'vdna:SubmitJob', resource);
    if (mode === 'delete') await this.guard.check(caller, 'vdna:DeleteItems', resource);
    else if (mode !== 'nosave') await this.guard.check(caller, 'vdna:AddItems', resource);
    if (queue !== DEFAULT_QUEUE && library) await this.guard.check(caller, 'vdna:SubmitJob', queueResource(queue));
    return { kind, library, mode, queue, resource };
  }

  /** Checks every field, the library, the input and the media, then queues the job. */
  async submit(caller: Caller, req: JobRequest, upload?: StagedUpload, door: Door = 'native', options?: Omit<JobOptions, 'types'>): Promise<JobRecord> {
    let staged = upload && this.partPath(upload.id);
    /** The upload kept as a blob before the job is queued: removed if the job is not. */
    let kept: { id: string; input: JobInput } | undefined;
    try {
      const { kind, library, mode, queue, resource } = await this.preflight(caller, req);
      const types = kind === 'tag' ? parseAnalysers(req.types) : undefined;
      if (kind !== 'tag' && req.types !== undefined && req.types !== '') throw bad('Types is for tagging jobs (Kind tag)');
      return await this.guard.run(caller, 'vdna:SubmitJob', resource, async () => {
        if (library) {
          const lib = await this.libraries.require(caller.account, library);
          if (kind === 'tag' && lib.mediaType !== 'text') {
            throw new VdnaError('WRONG_MEDIA_TYPE', `library "${library}" holds ${lib.mediaType}: a tagging job stores and searches the text it reads and hears in a text library`);
          }
        }
        const key = optionalString(req.primaryKey, 'PrimaryKey');
        if (mode !== 'nosave' || (kind === 'tag' && key !== undefined)) {
          if (key === undefined) throw bad(`PrimaryKey is required in mode ${mode}`);
          checkKey(key);
        }
        let input: JobInput | undefined;
        if (upload) {
          if (req.input !== undefined) throw bad('give either an uploaded file or Input, not both');
          input = { type: 'Upload', source: upload.name };
        } else if (req.input !== undefined && req.input !== null) {
          const { type, source } = req.input;
          if (typeof source !== 'string' || !INPUT_TYPES.includes(type as JobInput['type']) || type === 'Upload') {
            throw bad('Input must be {"Type":"URL"|"S3"|"Path"|"Media","Source":"..."}');
          }
          input = checkInput(this.inputs, { type: type as JobInput['type'], source });
          await checkInputAccess(this.guard, caller, input);
        }
        if (mode === 'delete' && input) throw bad('a delete job takes no media');
        if (mode !== 'delete' && !input) throw bad('media is required: upload a file or give Input');

        const priority = req.priority === undefined || req.priority === '' ? 1 : Number(req.priority);
        if (!Number.isInteger(priority) || priority < 0 || priority > PRIORITY_MAX) throw bad(`Priority must be an integer 0-${PRIORITY_MAX}`);
        const userData = optionalString(req.userData, 'UserData');
        if (userData !== undefined && Buffer.byteLength(userData) > USER_DATA_MAX_BYTES) {
          throw bad(`UserData is ${Buffer.byteLength(userData)} bytes; the limit is ${USER_DATA_MAX_BYTES}`);
        }
        if (req.callback) checkCallback(this.callbacks, req.callback);

        if (upload && input) {
          // Kept under its own extension, which tells subtitles and text from media. The media itself is
          // probed by the job, under the workers' bound, so that a submission answers at once.
          await this.inputs.blobs.putFile(uploadKey(upload.id, input), staged!);
          staged = undefined;
          kept = { id: upload.id, input };
        } else if (input?.type === 'Media') {
          await this.media.get(caller, input.source);
        }
        const job = await this.jobs.send(
          {
            account: caller.account,
            kind: mode === 'delete' ? 'delete' : kind,
            library,
            ...(types && { options: { types, ...options } }),
            mode,
            ...(input && { input }),
            ...(key !== undefined && { primaryKey: key }),
            priority,
            queue,
            ...(userData !== undefined && { userData }),
            ...(req.callback && { callback: req.callback }),
            ...(caller.keyId && { keyId: caller.keyId }),
            door,
          },
          upload?.id,
        );
        kept = undefined;
        this.workers.kick();
        return job;
      });
    } finally {
      if (staged) await unlink(staged).catch(() => undefined);
      if (kept) await discardUpload(this.inputs, kept.id, kept.input).catch(() => undefined);
    }
  }

  /** The caller's job, if the policy lets it read it (another account's is unknown). */
  private async visible(caller: Caller, id: string, action: 'vdna:GetJob' | 'vdna:GetJobResult' | 'vdna:CancelJob'): Promise<JobRecord> {
    const job = await this.jobs.get(caller.account, id);
    if (!job) throw new VdnaError('UNKNOWN_JOB', `no job with id "${id}"`);
    await this.guard.check(caller, action, jobResource(job));
    return job;
  }

  get(caller: Caller, id: string): Promise<JobRecord> {
    return this.visible(caller, id, 'vdna:GetJob');
  }

  /** Whether the caller may read a job's result (and so be handed its presigned ResultUrl). */
  mayReadResult(caller: Caller, job: JobRecord): boolean {
    return this.guard.allowed(caller, 'vdna:GetJobResult', jobResource(job));
  }

  /** Up to ten jobs by id, in the order asked; unknown ids are listed apart. */
  async getMany(caller: Caller, ids: string[]): Promise<{ jobs: JobRecord[]; unknown: string[] }> {
    const unique = [...new Set(ids)];
    if (unique.length === 0 || unique.length > MAX_JOB_IDS_PER_QUERY) throw bad(`give 1-${MAX_JOB_IDS_PER_QUERY} job ids`);
    const found = await Promise.all(unique.map((id) => this.jobs.get(caller.account, id)));
    const jobs = found.filter((j): j is JobRecord => j !== undefined);
    for (const job of jobs) await this.guard.check(caller, 'vdna:GetJob', jobResource(job));
    return { jobs, unknown: unique.filter((_, i) => !found[i]) };
  }

  /** Newest first, one page at a time; a key limited to some libraries sees their jobs only. */
  async list(caller: Caller, q: JobListQuery): Promise<{ jobs: JobRecord[]; nextCursor?: string }> {
    const unknownState = q.states?.find((s) => !JOB_STATES.includes(s));
    if (unknownState) throw bad(`unknown state "${unknownState}" (use ${JOB_STATES.join(', ')})`);
    const limit = pageLimit(q.limit, 20, MAX_JOBS_PER_PAGE, 'jobs');
    let libraries: string[] | undefined;
    if (q.library !== undefined) {
      await this.guard.check(caller, 'vdna:ListJobs', libraryResource(q.library));
      libraries = [q.library];
    } else if (!this.guard.allowsEvery(caller, 'vdna:ListJobs', 'library')) {
      const names = await this.libraries.names(caller.account);
      libraries = names.filter((name) => this.guard.allowed(caller, 'vdna:ListJobs', libraryResource(name)));
      // Tagging jobs without a library are checked on their queue: the one asked for, else every queue.
      const queueJobs = q.queue !== undefined ? this.guard.allowed(caller, 'vdna:ListJobs', queueResource(q.queue)) : this.guard.allowsEvery(caller, 'vdna:ListJobs', 'queue');
      if (queueJobs) libraries.push('');
    }
    const filter: JobFilter = {
      states: q.states,
      libraries,
      queue: q.queue,
      primaryKey: q.primaryKey,
      kind: q.kind,
      order: q.order,
      since: isoTime(q.since, 'Since'),
      until: isoTime(q.until, 'Until'),
      limit,
      cursor: q.cursor,
    };
    return this.jobs.list(caller.account, filter);
  }

  /** The result of an ended job, with the job. */
  async result(caller: Caller, id: string): Promise<{ job: JobRecord; result: unknown }> {
    return this.resultOf(await this.visible(caller, id, 'vdna:GetJobResult'));
  }

  /** The result of a job reached through a presigned URL (the URL was checked by the door's access). */
  async resultById(id: string): Promise<{ job: JobRecord; result: unknown }> {
    const job = await this.jobs.byId(id);
    if (!job) throw new VdnaError('UNKNOWN_JOB', `no job with id "${id}"`);
    return this.resultOf(job);
  }

  private async resultOf(job: JobRecord): Promise<{ job: JobRecord; result: unknown }> {
    if (!FINAL_STATES.includes(job.state)) {
      throw new VdnaError('RESULT_NOT_READY', `job "${job.id}" is ${job.state}; its result exists once it ends`);
    }
    return { job, result: await this.results.read(job) };
  }

  /** An ended job's result, whoever asks (the engine's own use: the events the callbacks send). */
  endedResult(job: JobRecord): Promise<unknown> {
    return this.results.read(job);
  }

  /**
   * Object storage's own URL of a job's result as the door `rendering` serves it, until `expiresAt`:
   * for a caller the door found may read the result (mayReadResult). Undefined when there is none (the
   * data directory's blobs, a job that has not succeeded, a result that door renders afresh on each
   * read): the door hands out its own presigned URL then.
   */
  resultUrl(job: JobRecord, rendering: string, expiresAt: Date): Promise<string | undefined> {
    return this.results.presignedUrl(job, rendering, expiresAt);
  }

  /** A face a tagging job found, to a caller who may read that job's result. */
  async face(caller: Caller, id: string): Promise<FaceRecord> {
    const face = await this.faces.get(caller.account, id);
    if (!face) throw new VdnaError('UNKNOWN_FACE', `no face with id "${id}"`);
    if (face.jobId) await this.visible(caller, face.jobId, 'vdna:GetJobResult');
    return face;
  }

  /** A face reached through a presigned URL (the URL was checked by the door's access). */
  async faceById(id: string): Promise<FaceRecord> {
    const face = await this.faces.byId(id);
    if (!face) throw new VdnaError('UNKNOWN_FACE', `no face with id "${id}"`);
    return face;
  }

  /** A face's thumbnail (a JPEG), of a face the door found the caller may see (face, faceById). */
  thumbnail(face: FaceRecord): Promise<Readable> {
    return this.inputs.blobs.read(thumbnailKey(face.id));
  }

  /**
   * Object storage's own URL of a face's thumbnail, until `expiresAt`, for a caller who may read the
   * result that names the face; undefined with the data directory's blobs (the door's own URL then).
   */
  faceUrl(faceId: string, expiresAt: Date): Promise<string | undefined> {
    return this.inputs.blobs.presignedGet(thumbnailKey(faceId), expiresAt, { contentType: THUMBNAIL_TYPE });
  }

  /** Keeps faces found outside a job (the CLI's in-process tagging): their thumbnails as blobs, then their records. */
  async keepFaces(caller: Caller, faces: NewFace[]): Promise<void> {
    if (faces.length === 0) return;
    await putThumbnails(this.inputs.blobs, faces);
    await this.faces.put(caller.account, faces);
  }

  /** Cancels a waiting job at once, or asks its worker to stop a running one (it ends Cancelled within a second or so). */
  async cancel(caller: Caller, id: string): Promise<JobRecord> {
    const job = await this.visible(caller, id, 'vdna:CancelJob');
    return this.guard.run(caller, 'vdna:CancelJob', jobResource(job), async () => {
      const cancelled = await this.jobs.cancel(id);
      // A waiting job ends here; a running one's worker removes its upload when it stops.
      if (cancelled && FINAL_STATES.includes(cancelled.state)) await discardUpload(this.inputs, id, cancelled.input).catch(() => undefined);
      if (cancelled) return cancelled;
      const now = (await this.jobs.get(caller.account, id))!;
      throw new VdnaError('JOB_NOT_CANCELLABLE', `job "${id}" is ${now.state} and cannot be cancelled`);
    });
  }

  async deliveries(caller: Caller, id: string): Promise<Delivery[]> {
    await this.get(caller, id);
    return this.outbox.deliveries(id);
  }

  /** A library was deleted: its waiting jobs are cancelled, and its running ones asked to stop (none can store into it). */
  async cancelForLibrary(account: string, library: string): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.jobs.list(account, { libraries: [library], states: ['Queued', 'Paused', 'Running'], limit: MAX_JOBS_PER_PAGE, cursor });
      for (const job of page.jobs) await this.jobs.cancel(job.id);
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** The dead letters: the account's callback deliveries that failed every attempt, newest first. */
  async deadLetters(caller: Caller, page: { limit?: number; cursor?: string }): Promise<{ deliveries: Delivery[]; nextCursor?: string }> {
    await this.guard.check(caller, 'vdna:ListDeadLetters', `account/${caller.account}`);
    return this.outbox.failed(caller.account, { limit: pageLimit(page.limit, 20, MAX_JOBS_PER_PAGE, 'deliveries'), cursor: page.cursor });
  }

  /** Sends a dead letter again: a new round of attempts (its log kept). */
  replay(caller: Caller, deliveryId: number): Promise<Delivery> {
    return this.guard.run(caller, 'vdna:ReplayDelivery', `account/${caller.account}`, async () => {
      const delivery = Number.isSafeInteger(deliveryId) ? await this.outbox.replay(caller.account, deliveryId) : undefined;
      if (!delivery) throw new VdnaError('UNKNOWN_DELIVERY', `no failed delivery ${deliveryId}`);
      this.deliverer.kick();
      return delivery;
    });
  }

  /** The queues the caller may see. */
  async queues(caller: Caller): Promise<QueueRecord[]> {
    const all = await this.jobs.queues(caller.account);
    return all.filter((q) => this.guard.allowed(caller, 'vdna:ListQueues', queueResource(q.name)));
  }

  /** Creates a queue, or sets its default callback (null removes it). */
  configureQueue(caller: Caller, name: string, callback: CallbackTarget | null | undefined): Promise<QueueRecord> {
    return this.guard.run(caller, 'vdna:ConfigureQueue', queueResource(name), async () => {
      checkName('queue', name);
      if (callback) checkCallback(this.callbacks, callback);
      return this.jobs.configureQueue(caller.account, name, callback);
    });
  }

  /** Pausing holds a queue's waiting jobs (they show Paused); running jobs finish. */
  setPaused(caller: Caller, name: string, paused: boolean): Promise<QueueRecord> {
    return this.guard.run(caller, paused ? 'vdna:PauseQueue' : 'vdna:ResumeQueue', queueResource(name), async () => {
      checkName('queue', name);
      if (!(await this.jobs.queue(caller.account, name)) && name !== DEFAULT_QUEUE) {
        throw new VdnaError('INVALID_ARGUMENT', `no queue named "${name}"`);
      }
      const queue = await this.jobs.setPaused(caller.account, name, paused);
      if (!paused) this.workers.kick();
      return queue;
    });
  }
}
