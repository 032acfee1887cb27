/**
 * A registered media's bytes and pictures, for players and thumbnails: its content with HTTP Range
 * (seeking in a video player), a picture at a time, and presigned URLs of both — a <video> or <img>
 * element sends no Authorization header, so the page asks for URLs with its key and hands those over.
 * With object storage an upload's ContentUrl is the bucket's own presigned URL (absolute); vdna's
 * (a path of this server) otherwise, and for pictures. A key needs vdna:GetMedia on media/<id>;
 * another account's media answers as a missing one.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentTypeOf } from '../../media/content-type.js';
import { THUMBNAIL_WIDTHS, thumbnailAt } from '../../media/thumbnail.js';
import type { AccessService } from '../../services/access-service.js';
import type { MediaContent, MediaService } from '../../services/media-service.js';
import { byteRange } from '../byte-range.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { ID_PARAM } from '../schemas.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 415: ERROR_BODY_SCHEMA, 422: ERROR_BODY_SCHEMA };

/** Presigned paths carry Expires and Signature; a thumbnail also its time and width. */
const PRESIGN_QUERY = { Expires: { type: 'string', maxLength: 20 }, Signature: { type: 'string', maxLength: 64 } } as const;

function contentOf(req: FastifyRequest<{ Params: { id: string } }>, media: MediaService): Promise<MediaContent> {
  return req.presigned ? media.contentById(req.params.id) : media.content(req.caller, req.params.id);
}

/** Streamed through this server (from object storage too): its headers, not the store's, reach the browser. */
async function sendRange(req: FastifyRequest, reply: FastifyReply, content: MediaContent) {
  const { size } = content;
  void reply
    .header('accept-ranges', 'bytes')
    .header('content-type', contentTypeOf(content.name))
    .header('x-content-type-options', 'nosniff')
    // Uploaded bytes never run as a page of this origin, whatever they are.
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, max-age=3600');
  const range = byteRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    return reply.status(416).header('content-range', `bytes */${size}`).type('application/json')
      .send({ Code: 'INVALID_ARGUMENT', Message: `the range "${String(req.headers.range).slice(0, 60)}" starts past the end (${size} bytes)`, RequestId: req.id });
  }
  if (!range) return reply.header('content-length', size).send(await content.read());
  const body = await content.read(range);
  return reply
    .status(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', range.end - range.start + 1)
    .send(body);
}

export function mediaContentRoutes(app: FastifyInstance, media: MediaService, access: AccessService): void {
  app.get<{ Params: { id: string } }>(
    '/v1/media/:id/urls',
    {
      schema: {
        tags: ['media'],
        summary: "Presigned URLs of a media's content (Range requests; with object storage, the bucket's own URL of an upload) and pictures (add &Time=<s>&Width=<px>), for players and <img> elements (vdna:GetMedia)",
        params: ID_PARAM,
        response: { 200: { type: 'object', properties: { ContentUrl: { type: 'string' }, ThumbnailUrl: { type: 'string' } } }, ...errors },
      },
    },
    async (req) => {
      const expiresAt = access.urlExpiry();
      // Object storage's own URL of an upload kept there, else vdna's (the data directory, a server path).
      const stored = await media.contentUrl(req.caller, req.params.id, expiresAt);
      const base = `/v1/media/${encodeURIComponent(req.params.id)}`;
      return { ContentUrl: stored ?? access.presignPath(`${base}/content`, expiresAt), ThumbnailUrl: access.presignPath(`${base}/thumbnail`, expiresAt) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/v1/media/:id/content',
    {
      schema: {
        tags: ['media'],
        summary: "A media's content, with HTTP Range: an upload, or a file under --allow-path (vdna:GetMedia, or its presigned URL)",
        params: ID_PARAM,
        querystring: { type: 'object', additionalProperties: false, properties: PRESIGN_QUERY },
        response: { ...errors },
      },
    },
    async (req, reply) => sendRange(req, reply, await contentOf(req, media)),
  );

  app.get<{ Params: { id: string }; Querystring: { Time: number; Width: number } }>(
    '/v1/media/:id/thumbnail',
    {
      schema: {
        tags: ['media'],
        summary: "A JPEG of a media's picture at Time seconds, Width pixels wide (vdna:GetMedia, or its presigned URL)",
        params: ID_PARAM,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...PRESIGN_QUERY,
            Time: { type: 'number', minimum: 0, maximum: 86_400, default: 0 },
            Width: { type: 'integer', minimum: THUMBNAIL_WIDTHS.min, maximum: THUMBNAIL_WIDTHS.max, default: 160 },
          },
        },
        response: { ...errors },
      },
    },
    async (req, reply) => {
      const file = await (await contentOf(req, media)).localFile();
      let picture: Buffer;
      try {
        picture = await thumbnailAt(file.path, req.query.Time, req.query.Width);
      } finally {
        await file.release();
      }
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(picture);
    },
  );
}
