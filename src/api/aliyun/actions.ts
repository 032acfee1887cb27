/** What an action of the Alibaba door gets: the caller, the request's parameters, the services. */
import type { Caller } from '../../access/caller.js';
import type { Services } from '../../services/index.js';
import type { FaceUrl } from '../../views/video-tags.js';
import { AliyunError } from './signature.js';

export interface ActionContext {
  caller: Caller;
  /** Query and form parameters, decoded. */
  params: Record<string, string>;
  services: Services;
  /** The presigned URL of a job's VideoMatchInfo array (IMS's DNAResult). */
  dnaResultUrl: (jobId: string) => string;
  /** The presigned URLs of a tagging result's faces' thumbnails (its Person tags' FaceUrls). */
  faceUrls: (result: unknown) => Promise<FaceUrl>;
}

/** An action answers the body of its success response (RequestId is added by the door). */
export type ActionHandler = (ctx: ActionContext) => Promise<Record<string, unknown>>;

/** A required parameter, or the cloud's Missing<Param> error. */
export function required(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new AliyunError(400, `Missing${name}`, `${name} is mandatory for this action.`);
  return value;
}

/** A parameter holding JSON (the SDKs send objects as JSON strings). */
export function jsonParam<T>(params: Record<string, string>, name: string): T | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new AliyunError(400, 'InvalidParameter', `${name} is not valid JSON.`);
  }
}

/** A comma-separated list parameter. */
export const listParam = (params: Record<string, string>, name: string) => (params[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
