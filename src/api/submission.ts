/** A job request, from JSON or from multipart form fields, checked into a JobSubmission before it queues. */
import { VdnaError } from '../errors.js';
import { checkCallback, type CallbackConfig } from '../notify/callbacks.js';
import { checkInput, type InputConfig } from '../jobs/inputs.js';
import {
  DEFAULT_QUEUE,
  JOB_MODES,
  PRIORITY_MAX,
  USER_DATA_MAX_BYTES,
  type CallbackTarget,
  type JobInput,
  type JobMode,
  type JobSubmission,
} from '../jobs/types.js';
import { checkKey, checkLibraryName, NAME, type Vdna } from '../vdna.js';

export interface SubmissionFields {
  Library?: unknown;
  Mode?: unknown;
  Input?: unknown;
  PrimaryKey?: unknown;
  Priority?: unknown;
  UserData?: unknown;
  Queue?: unknown;
  Callback?: unknown;
}

const bad = (message: string) => new VdnaError('INVALID_ARGUMENT', message);

function str(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad(`${name} must be a string`);
  return value;
}

/** A callback as JSON (or a JSON string, from a form field). */
export function parseCallback(value: unknown): CallbackTarget | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new VdnaError('MALFORMED_REQUEST', 'Callback must be a JSON object');
    }
  }
  const c = v as Record<string, unknown>;
  if (c?.Type === 'HTTP' && typeof c.Url === 'string') {
    const format = c.Format ?? 'json';
    if (format !== 'json' && format !== 'xml') throw bad('Callback.Format must be json or xml');
    return { Type: 'HTTP', Url: c.Url, Format: format };
  }
  if (c?.Type === 'Redis' && typeof c.Stream === 'string' && /^[\w.:-]{1,128}$/.test(c.Stream)) {
    return { Type: 'Redis', Stream: c.Stream };
  }
  throw bad('Callback must be {"Type":"HTTP","Url":"...","Format":"json"|"xml"} or {"Type":"Redis","Stream":"name"}');
}

/** Checks every field and the library; `upload` is the staged file's name for a multipart job. */
export function checkSubmission(
  fields: SubmissionFields,
  ctx: { vdna: Vdna; inputs: InputConfig; callbacks: Pick<CallbackConfig, 'urlPolicy' | 'redisUrl'> },
  upload?: string,
): JobSubmission {
  const library = str(fields.Library, 'Library');
  if (!library) throw bad('Library is required');
  checkLibraryName(library);
  ctx.vdna.mediaLibrary(library);
  const mode = (str(fields.Mode, 'Mode') ?? 'nosave') as JobMode;
  if (!JOB_MODES.includes(mode)) throw bad(`Mode must be one of ${JOB_MODES.join(', ')}`);

  const key = str(fields.PrimaryKey, 'PrimaryKey');
  if (mode !== 'nosave') {
    if (key === undefined) throw bad(`PrimaryKey is required in mode ${mode}`);
    checkKey(key);
  }

  let input: JobInput | undefined;
  if (upload !== undefined) {
    if (fields.Input !== undefined) throw bad('give either an uploaded file or Input, not both');
    input = { Type: 'Upload', Source: upload };
  } else if (fields.Input !== undefined && fields.Input !== null) {
    const i = fields.Input as Record<string, unknown>;
    if (typeof i !== 'object' || typeof i.Source !== 'string' || !['URL', 'S3', 'Path'].includes(i.Type as string)) {
      throw bad('Input must be {"Type":"URL"|"S3"|"Path","Source":"..."}');
    }
    input = checkInput(ctx.inputs, { Type: i.Type as JobInput['Type'], Source: i.Source });
  }
  if (mode === 'delete' && input) throw bad('a delete job takes no media');
  if (mode !== 'delete' && !input) throw bad('media is required: upload a file or give Input');

  const priority = fields.Priority === undefined || fields.Priority === '' ? 1 : Number(fields.Priority);
  if (!Number.isInteger(priority) || priority < 0 || priority > PRIORITY_MAX) throw bad(`Priority must be an integer 0-${PRIORITY_MAX}`);

  const userData = str(fields.UserData, 'UserData');
  if (userData !== undefined && Buffer.byteLength(userData) > USER_DATA_MAX_BYTES) {
    throw bad(`UserData is ${Buffer.byteLength(userData)} bytes; the limit is ${USER_DATA_MAX_BYTES}`);
  }
  const queue = str(fields.Queue, 'Queue') ?? DEFAULT_QUEUE;
  if (!NAME.test(queue)) throw bad(`invalid queue name "${queue}"`);
  const callback = parseCallback(fields.Callback);
  if (callback) checkCallback(ctx.callbacks, callback);

  return {
    Library: library,
    Mode: mode,
    ...(input && { Input: input }),
    ...(key !== undefined && { PrimaryKey: key }),
    Priority: priority,
    Queue: queue,
    ...(userData !== undefined && { UserData: userData }),
    ...(callback && { Callback: callback }),
  };
}
