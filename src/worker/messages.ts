/** What a server and its worker processes say to each other over the IPC channel. */
import type { InputSettings } from '../jobs/inputs.js';
import type { JobRecord } from '../jobs/types.js';

/** A worker process's settings, sent by its server when it starts. */
export interface WorkerConfig {
  dataDir: string;
  /** Where jobs' media come from (the media registry and the blobs are opened by the worker itself). */
  inputs: InputSettings;
  /** Jobs one worker process runs at once. */
  concurrency: number;
  leaseMs?: number;
  /** A standalone worker (no server beside it to do it) also takes back jobs whose lease ran out. */
  reap?: boolean;
  /** How long a stopping worker lets its running jobs finish before they go back to the queue. */
  graceMs: number;
}

export type ToWorker = { type: 'start'; config: WorkerConfig } | { type: 'kick' } | { type: 'stop' };

export type FromWorker =
  /** Listening: the server answers with 'start' (a message sent before the child listens would be lost). */
  | { type: 'hello' }
  | { type: 'ready'; worker: string }
  | { type: 'ended'; job: JobRecord; seconds: number }
  | { type: 'error'; message: string };
