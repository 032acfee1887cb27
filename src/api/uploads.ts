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
  try {
    return await receiveParts(req, path, beforeFile);
  } catch (err) {
    // The form parser's own errors (no boundary, a form cut short) carry no code: the client's fault, not
    // the server's. Coded ones pass: vdna's, Fastify's limits (413), the file system's (ENOSPC is a 5xx).
    if (err instanceof Error && (err as { code?: unknown }).code === undefined) {
      throw new VdnaError('MALFORMED_REQUEST', `malformed multipart/form-data: ${err.message}`);
    }
    throw err;
  }
}

async function receiveParts(
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
