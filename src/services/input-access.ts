/** Inputs the server reads with its own rights (its S3 credentials, its --allow-path roots) are resources a policy names. */
import type { Caller } from '../access/caller.js';
import { parseS3Url } from '../jobs/inputs.js';
import type { JobInput } from '../jobs/types.js';
import type { Guard } from './guard.js';

/** S3 objects need vdna:ReadObject on s3/<bucket>/<key>; server paths vdna:ReadPath on path<absolute path>. */
export async function checkInputAccess(guard: Guard, caller: Caller, input: JobInput): Promise<void> {
  if (input.type === 'S3') {
    const { bucket, key } = parseS3Url(input.source);
    await guard.check(caller, 'vdna:ReadObject', `s3/${bucket}/${key}`);
  } else if (input.type === 'Path') {
    await guard.check(caller, 'vdna:ReadPath', `path${input.source}`);
  }
}
