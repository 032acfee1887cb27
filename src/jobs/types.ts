/** The job model of the service: what a client submits, and what it reads back (the cloud's PascalCase). */

/** nosave: search only; save: search, store if no duplicate; forcesave: search, store anyway;
 *  onlysave: store without searching; delete: remove the item PrimaryKey. */
export const JOB_MODES = ['nosave', 'save', 'forcesave', 'onlysave', 'delete'] as const;
export type JobMode = (typeof JOB_MODES)[number];

export const JOB_STATES = ['Queued', 'Running', 'Success', 'Failed', 'Paused', 'Cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const FINAL_STATES: readonly JobState[] = ['Success', 'Failed', 'Cancelled'];

/** Where a job's media comes from: an upload staged on disk, a URL, an S3 object or a local path. */
export const INPUT_TYPES = ['Upload', 'URL', 'S3', 'Path'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface JobInput {
  Type: InputType;
  /** URL, s3://bucket/key, local path, or the uploaded file's name. */
  Source: string;
}

/** A completion callback: an HTTP POST (JSON or XML), or an entry on a Redis stream. */
export type CallbackTarget =
  | { Type: 'HTTP'; Url: string; Format: 'json' | 'xml' }
  | { Type: 'Redis'; Stream: string };

export interface JobSubmission {
  Library: string;
  Mode: JobMode;
  Input?: JobInput;
  PrimaryKey?: string;
  /** 0 (low) to 2 (high); higher runs first. */
  Priority: number;
  Queue: string;
  UserData?: string;
  Callback?: CallbackTarget;
}

export interface Job extends JobSubmission {
  JobId: string;
  State: JobState;
  /** 0..100 while running. */
  Progress: number;
  Code?: string;
  Message?: string;
  /** Times the job was started (a server killed mid-job starts it again). */
  Attempts: number;
  CreateTime: string;
  StartTime?: string;
  CompleteTime?: string;
  /** Where the result document is served (set by the API). */
  ResultUrl?: string;
}

export const PRIORITY_MAX = 2;
export const USER_DATA_MAX_BYTES = 1024;
export const MAX_JOB_IDS_PER_QUERY = 10;
export const MAX_KEYS_PER_DELETE = 50;
export const DEFAULT_QUEUE = 'default';
