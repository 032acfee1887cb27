/** The job records below every door: plain camelCase; each door renders its own wire shape. */
import type { TimedTag } from '../tagging/keywords.js';
import type { TimedText } from '../tagging/types.js';

/** nosave: search only; save: search, store if no duplicate; forcesave: search, store anyway;
 *  onlysave: store without searching; delete: remove the item primaryKey. */
export const JOB_MODES = ['nosave', 'save', 'forcesave', 'onlysave', 'delete'] as const;
export type JobMode = (typeof JOB_MODES)[number];

export const JOB_STATES = ['Queued', 'Running', 'Success', 'Failed', 'Paused', 'Cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves. */
export const FINAL_STATES: readonly JobState[] = ['Success', 'Failed', 'Cancelled'];

/** Where a job's media comes from: an upload staged on disk, a URL, an S3 object, a local path, or a registered media (its MediaId). */
export const INPUT_TYPES = ['Upload', 'URL', 'S3', 'Path', 'Media'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

export interface JobInput {
  type: InputType;
  /** URL, s3://bucket/key, local path, the uploaded file's name, or a MediaId. */
  source: string;
}

/** The door a job came through: its events are rendered in that door's shape. */
export const DOORS = ['native', 'aliyun', 'tencent'] as const;
export type Door = (typeof DOORS)[number];

/** A completion callback: an HTTP POST (JSON or XML), an entry on a Redis stream, or none (not even the queue's). */
export type CallbackTarget = { type: 'http'; url: string; format: 'json' | 'xml' } | { type: 'redis'; stream: string } | { type: 'none' };

/** The kinds of job the doors submit: fingerprinting (save, search) and delete, and smart tagging. */
export const JOB_KINDS = ['dna', 'delete', 'tag'] as const;
export type JobKindName = (typeof JOB_KINDS)[number];

/** What a kind needs beyond the common fields. */
export interface JobOptions {
  /** Tagging: the analysers to run (ocr, asr, face, object). */
  types?: string[];
  /** The cloud product a door's job came through, when one door serves several (Alibaba: vod, ims). */
  product?: 'vod' | 'ims';
  /** Tagging: the raw data the result is to list apart (IMS's needAsrData, needOcrData). */
  rawData?: Array<'asr' | 'ocr'>;
}

/** What a client asks for; the job service checks it into a NewJob. */
export interface NewJob {
  account: string;
  /** The registered job kind that runs it (see jobs/kinds). */
  kind: string;
  /** The library searched and stored into; empty for a tagging job that feeds no library. */
  library: string;
  options?: JobOptions;
  mode: JobMode;
  input?: JobInput;
  primaryKey?: string;
  /** 0 (low) to 2 (high); higher runs first. */
  priority: number;
  queue: string;
  userData?: string;
  callback?: CallbackTarget;
  /** The access key that submitted it (for the audit trail). */
  keyId?: string;
  /** The door it came through (default native). */
  door?: Door;
}

export interface JobRecord extends NewJob {
  id: string;
  state: JobState;
  /** 0..100 while running. */
  progress: number;
  code?: string;
  message?: string;
  /** Times the job was started (a server killed mid-job starts it again). */
  attempts: number;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
}

/** The result of a DNA or delete job, kept with the job and rendered by each door. */
export interface JobResult {
  /** Whether the media was stored in the library by this job. */
  saved: boolean;
  /** Delete jobs: whether the key existed and was removed. */
  deleted?: boolean;
  /** Seconds of media fingerprinted. */
  mediaDuration?: number;
  matches: import('../match/search.js').Match[];
  /** The duration of each matched item, by its key (doors that report it: Tencent's Detection.Duration). */
  matchedDurations?: Record<string, number>;
}

/** A person seen: a registered one (name), or an unknown face; `faceId` names its stored thumbnail and descriptor. */
export interface PersonRecord {
  name?: string;
  faceId?: string;
  /** Start of each appearance. */
  times: number[];
  /** Each appearance, from its first sighting to its last. */
  ranges?: Array<{ start: number; end: number }>;
}

/** The result of a tagging job (times in seconds: TimedText spans and TimedTag occurrences); with a library, also its text-DNA search and save. */
export interface TagResult {
  mediaDuration: number;
  keywords: TimedTag[];
  persons: PersonRecord[];
  locations: TimedTag[];
  categories: TimedTag[];
  ocr: TimedText[];
  asr: TimedText[];
  unavailable: Array<{ analyser: string; reason: string }>;
  /** With a library: whether the text was stored, and what it matched. */
  saved?: boolean;
  matches?: import('../match/search.js').Match[];
}

export const PRIORITY_MAX = 2;
export const USER_DATA_MAX_BYTES = 1024;
export const MAX_JOB_IDS_PER_QUERY = 10;
export const MAX_KEYS_PER_DELETE = 50;
export const DEFAULT_QUEUE = 'default';
