/** A multipart request: text fields, and one file in the part named "Media" streamed to `path` (size-limited by the server). */
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { VdnaError } from '../errors.js';

/** `beforeFile` sees the fields sent before the file, and may refuse the request before anything is written. */
export async function receiveMultipart(
  req: FastifyRequest,
  path: string,
  beforeFile?: (fields: Record<string, unknown>) => Promise<void>,
): Promise<{ fields: Record<string, unknown>; fileName?: string }> {
  const fields: Record<string, unknown> = {};
  let fileName: string | undefined;
  for await (const p of req.parts()) {
    if (p.type === 'field') {
      fields[p.fieldname] = p.value;
      continue;
    }
    const file = p as MultipartFile;
    if (file.fieldname !== 'Media' || fileName !== undefined) {
      file.file.resume();
      throw new VdnaError('INVALID_ARGUMENT', 'send exactly one file, in the part named "Media"');
    }
    if (beforeFile) {
      try {
        await beforeFile(fields);
      } catch (err) {
        file.file.resume();
        throw err;
      }
    }
    await mkdir(dirname(path), { recursive: true });
    await pipeline(file.file, createWriteStream(path));
    fileName = file.filename || 'upload';
  }
  return { fields, fileName };
}
