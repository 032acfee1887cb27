/** The person registry (who smart tagging names) and the faces tagging jobs found. */
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { VdnaError } from '../../errors.js';
import type { JobService } from '../../services/job-service.js';
import { MAX_PHOTOS_PER_CALL, type PersonService, type PersonSummary } from '../../services/person-service.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { ID_PARAM, NAME_PARAM } from '../schemas.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 413: ERROR_BODY_SCHEMA, 501: ERROR_BODY_SCHEMA };
const MAX_PHOTO_BYTES = 20 << 20;
const PERSON = { type: 'object', properties: { Name: { type: 'string' }, Faces: { type: 'integer' }, CreateTime: { type: 'string' } } } as const;
const personView = (p: PersonSummary) => ({ Name: p.name, Faces: p.faces, CreateTime: p.createdAt });

/** Photos sent as parts named "Photo", written to a temporary folder for `use`, removed after. */
async function withPhotos<T>(req: FastifyRequest, use: (paths: string[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vdna-photos-'));
  try {
    const paths: string[] = [];
    for await (const part of req.parts({ limits: { files: MAX_PHOTOS_PER_CALL, fileSize: MAX_PHOTO_BYTES, fields: 0 } })) {
      const file = part as MultipartFile;
      if (part.type !== 'file' || file.fieldname !== 'Photo') {
        if (part.type === 'file') file.file.resume();
        throw new VdnaError('INVALID_ARGUMENT', 'send the photos as file parts named "Photo"');
      }
      const path = join(dir, `photo-${paths.length}`);
      await pipeline(file.file, createWriteStream(path));
      if (file.file.truncated) throw new VdnaError('TOO_LARGE', `a photo is larger than ${MAX_PHOTO_BYTES >> 20} MB`);
      paths.push(path);
    }
    return await use(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function personRoutes(app: FastifyInstance, persons: PersonService, jobs: JobService): void {
  app.get(
    '/v1/persons',
    { schema: { tags: ['persons'], summary: 'The registered persons smart tagging names (vdna:ListPersons)', response: { 200: { type: 'object', properties: { Persons: { type: 'array', items: PERSON } } }, ...errors } } },
    async (req) => ({ Persons: (await persons.list(req.caller)).map(personView) }),
  );

  app.post<{ Params: { name: string }; Body: { FaceIds?: string[] } }>(
    '/v1/persons/:name',
    {
      schema: {
        tags: ['persons'],
        summary: `Register a person, or add to one: face photos as multipart parts named "Photo" (the largest face of each), or {"FaceIds": [...]} naming faces a tagging job found (1-${MAX_PHOTOS_PER_CALL}; vdna:AddPerson on person/<name>)`,
        params: NAME_PARAM,
        body: { type: 'object', required: ['FaceIds'], additionalProperties: false, properties: { FaceIds: { type: 'array', minItems: 1, maxItems: MAX_PHOTOS_PER_CALL, items: { type: 'string', maxLength: 64 } } } },
        response: { 200: PERSON, ...errors },
      },
      attachValidation: true,
    },
    async (req) => {
      if (req.isMultipart()) return personView(await withPhotos(req, (paths) => persons.add(req.caller, req.params.name, paths)));
      if (req.validationError) throw req.validationError;
      return personView(await persons.addFaces(req.caller, req.params.name, req.body.FaceIds ?? []));
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/persons/:name',
    { schema: { tags: ['persons'], summary: 'Remove a registered person (vdna:RemovePerson)', params: NAME_PARAM, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      await persons.remove(req.caller, req.params.name);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/faces/:id',
    {
      schema: {
        tags: ['persons'],
        summary: "A face's thumbnail (JPEG) from a tagging job's result: its FaceUrl (presigned), or with a key that may read the job's result (vdna:GetJobResult)",
        params: ID_PARAM,
        response: { ...errors },
      },
    },
    async (req, reply) => {
      const face = req.presigned ? await jobs.faceById(req.params.id) : await jobs.face(req.caller, req.params.id);
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=300').send(await jobs.thumbnail(face));
    },
  );
}
