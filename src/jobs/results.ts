/**
 * Jobs' results as blobs. An ended job's result document is "results/<job id>.json", put before the
 * job's completing transaction (JobQueue.complete), together with the thumbnails of the faces a
 * tagging job found ("faces/<face id>.jpg", store/faces.ts): a job that completed always has them. A
 * worker killed between the put and the commit leaves a job that runs again and writes the same keys
 * again (a put replaces a blob, and a job's face ids are made from its id), and the queue's lease
 * still lets the job complete once. A put whose job then ended otherwise (it failed, was cancelled)
 * is removed again by the runner; one a crash left behind is harmless (only a successful job's result
 * is read). Jobs are never removed (there is no retention yet), so neither are their results.
 *
 * A door may keep its own rendering of a result beside it ("results/<job id>.<name>.json"), written
 * with it: the native door's result document, so that with object storage a job's ResultUrl is the
 * bucket's own presigned URL of bytes served as they are (see views/native.ts for which jobs have one).
 */
import { VdnaError } from '../errors.js';
import { moveIntoBlobs, readBlob, type BlobStore } from '../store/blobs.js';
import { putThumbnails, thumbnailKey, type NewFace } from '../store/faces.js';
import type { JobQueue } from './queue.js';
import type { JobRecord } from './types.js';

/** A job's result document as a blob, or a door's rendering of it (`rendering`: the rendering's name). */
export const resultKey = (jobId: string, rendering?: string) => `results/${jobId}${rendering ? `.${rendering}` : ''}.json`;
const JSON_TYPE = 'application/json';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

/** A door's rendering of a job's result, kept as its own blob so that object storage can serve it. */
export interface ResultRendering {
  /**
   * Whether a job's result is kept rendered: one that holds presigned URLs of its own (a tagging
   * result's FaceUrls) cannot be, they would expire.
   */
  applies(job: JobRecord): boolean;
  render(job: JobRecord, result: unknown): unknown;
}

export class JobResults {
  constructor(
    private readonly jobs: JobQueue,
    private readonly blobs: BlobStore,
    /** By name: the key's suffix, and what the doors ask a URL of. */
    private readonly renderings: Record<string, ResultRendering> = {},
  ) {}

  /** Before the job completes (the runner): the thumbnails of the faces it found, its result and the result's renderings. */
  async keep(job: JobRecord, result: unknown, faces: NewFace[] = []): Promise<void> {
    await putThumbnails(this.blobs, faces);
    if (result !== undefined) await this.putResult(job, result);
  }

  private async putResult(job: JobRecord, result: unknown): Promise<void> {
    await this.blobs.put(resultKey(job.id), json(result), JSON_TYPE);
    for (const [name, rendering] of Object.entries(this.renderings)) {
      if (rendering.applies(job)) await this.blobs.put(resultKey(job.id, name), json(rendering.render(job, result)), JSON_TYPE);
    }
  }

  /** Removes what keep() wrote, once the job ended without it (a missing blob is no error). */
  async discard(job: JobRecord, faces: NewFace[] = []): Promise<void> {
    for (const f of faces) await this.blobs.delete(thumbnailKey(f.id));
    await this.blobs.delete(resultKey(job.id));
    for (const name of Object.keys(this.renderings)) await this.blobs.delete(resultKey(job.id, name));
  }

  /**
   * An ended job's result: what an older vdna kept in its row (until a server's start moves it), else
   * its blob; undefined when it has none (it failed or was cancelled). A successful job's missing blob
   * is FILE_NOT_FOUND, not an empty result: most likely a worker on another machine kept it in its own
   * data directory.
   */
  async read(job: JobRecord): Promise<unknown> {
    const stored = await this.jobs.result(job.id);
    if (stored !== undefined && stored !== null) return stored;
    if (job.state !== 'Success') return undefined;
    try {
      return JSON.parse((await readBlob(this.blobs, resultKey(job.id))).toString('utf8'));
    } catch (err) {
      if ((err as { code?: string }).code !== 'FILE_NOT_FOUND') throw err;
      throw new VdnaError(
        'FILE_NOT_FOUND',
        `the result of job "${job.id}" is missing from ${this.blobs.where}: workers on other machines keep results where the API reads them only with object storage (VDNA_S3_BUCKET) or a shared data directory`,
      );
    }
  }

  /**
   * The URL object storage serves a successful job's rendering `rendering` at, until `expiresAt`;
   * undefined when the blobs hand out no URLs (the data directory), or the job has no such rendering.
   */
  async presignedUrl(job: JobRecord, rendering: string, expiresAt: Date): Promise<string | undefined> {
    if (job.state !== 'Success' || !this.renderings[rendering]?.applies(job)) return undefined;
    return this.blobs.presignedGet(resultKey(job.id, rendering), expiresAt, { contentType: JSON_TYPE });
  }

  /** Moves the results an older vdna kept in jobs' rows into the blobs, with their renderings (a server's start); returns how many. */
  moveStored(batch = 100): Promise<number> {
    return moveIntoBlobs(
      (limit) => this.jobs.storedResults(limit),
      async ({ job, result }) => {
        // Only a successful job's result is ever read (an older vdna wrote "null" for some failed ones).
        const kept = job.state === 'Success' && result !== undefined;
        if (kept) await this.putResult(job, result);
        await this.jobs.clearStoredResult(job.id);
        return kept;
      },
      batch,
    );
  }
}
