import type { FastifyInstance } from 'fastify';
import { VdnaError } from '../../errors.js';
import type { MediaRecord } from '../../store/media.js';
import type { MediaService } from '../../services/media-service.js';
import { mediaView } from '../../views/native.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { ID_PARAM } from '../schemas.js';
import { receiveMultipart } from '../uploads.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 413: ERROR_BODY_SCHEMA, 415: ERROR_BODY_SCHEMA };
const MEDIA = {
  type: 'object',
  properties: {
    MediaId: { type: 'string' },
    Title: { type: 'string' },
    Input: { type: 'object', properties: { Type: { type: 'string' }, Source: { type: 'string' } } },
    Size: { type: 'integer' },
    CreateTime: { type: 'string' },
  },
} as const;

export function mediaRoutes(app: FastifyInstance, media: MediaService): void {
  app.post<{ Body: { Title?: string; Input?: { Type?: string; Source?: string } } }>(
    '/v1/media',
    {
      schema: {
        tags: ['media'],
        summary: 'Register a media: upload it (multipart, part "Media", field Title) or name it ({Input: {Type: URL|S3|Path, Source}, Title}); answers its MediaId (vdna:RegisterMedia)',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            Title: { type: 'string', maxLength: 256 },
            Input: { type: 'object', required: ['Type', 'Source'], additionalProperties: false, properties: { Type: { type: 'string', enum: ['URL', 'S3', 'Path'] }, Source: { type: 'string', maxLength: 4096 } } },
          },
        },
        response: { 201: MEDIA, ...errors },
      },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError && !req.isMultipart()) throw req.validationError;
      let record: MediaRecord;
      if (req.isMultipart()) {
        const { id, path } = media.newUpload();
        try {
          const { fields, fileName } = await receiveMultipart(req, path, () => media.preflight(req.caller, id));
          if (fileName === undefined) throw new VdnaError('INVALID_ARGUMENT', 'no file: send the media in a part named "Media"');
          record = await media.register(req.caller, { title: fields.Title, upload: { id, name: fileName } });
        } finally {
          await media.discardUpload(id);
        }
      } else {
        const input = req.body?.Input;
        record = await media.register(req.caller, { title: req.body?.Title, input: input && { type: input.Type, source: input.Source } });
      }
      return reply.status(201).send(mediaView(record));
    },
  );

  app.get<{ Querystring: { Limit?: number; Cursor?: string } }>(
    '/v1/media',
    {
      schema: {
        tags: ['media'],
        summary: 'Registered media, newest first (vdna:ListMedia)',
        querystring: { type: 'object', additionalProperties: false, properties: { Limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, Cursor: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', properties: { Media: { type: 'array', items: MEDIA }, NextCursor: { type: 'string' } } }, ...errors },
      },
    },
    async (req) => {
      const page = await media.list(req.caller, { limit: req.query.Limit, cursor: req.query.Cursor });
      return { Media: page.media.map(mediaView), ...(page.nextCursor && { NextCursor: page.nextCursor }) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/media/:id',
    { schema: { tags: ['media'], summary: 'A registered media (vdna:GetMedia)', params: ID_PARAM, response: { 200: MEDIA, ...errors } } },
    async (req) => mediaView(await media.get(req.caller, req.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/media/:id',
    { schema: { tags: ['media'], summary: 'Delete a media; an uploaded file is removed (vdna:DeleteMedia)', params: ID_PARAM, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => reply.status(204).send(await media.delete(req.caller, req.params.id)),
  );
}
