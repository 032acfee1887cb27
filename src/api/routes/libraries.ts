import type { FastifyInstance } from 'fastify';
import { VdnaError } from '../../errors.js';
import type { ItemSummary, LibraryInfo, MediaType } from '../../store/store.js';
import { checkLibraryName, type Vdna } from '../../vdna.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { CREATE_LIBRARY, DELETE_ITEMS, ITEM, LIBRARY, NAME_PARAM } from '../schemas.js';

export const libraryView = (l: LibraryInfo) => ({
  Name: l.name,
  MediaType: l.mediaType,
  Description: l.description,
  CreateTime: l.createdAt,
  ItemCount: l.itemCount,
  Duration: l.duration,
});

const itemView = (i: ItemSummary) => ({ PrimaryKey: i.key, Source: i.source, Duration: i.duration, Frames: i.count, AddTime: i.addedAt });

const errors = { 400: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 409: ERROR_BODY_SCHEMA };

export function libraryRoutes(app: FastifyInstance, vdna: Vdna): void {
  app.post<{ Body: { Name: string; MediaType: MediaType; Description: string } }>(
    '/v1/libraries',
    { schema: { tags: ['libraries'], summary: 'Create a DNA library', body: CREATE_LIBRARY, response: { 201: LIBRARY, ...errors } } },
    async (req, reply) => {
      const { Name, MediaType, Description } = req.body;
      checkLibraryName(Name);
      if (vdna.store.library(Name)) throw new VdnaError('DUPLICATE_LIBRARY', `a library named "${Name}" exists`);
      return reply.status(201).send(libraryView(vdna.createLibrary(Name, Description, MediaType)));
    },
  );

  app.get(
    '/v1/libraries',
    {
      schema: {
        tags: ['libraries'],
        summary: 'List libraries with item counts and stored seconds',
        response: { 200: { type: 'object', properties: { Libraries: { type: 'array', items: LIBRARY } } } },
      },
    },
    async () => ({ Libraries: vdna.libraries().map(libraryView) }),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/libraries/:name',
    { schema: { tags: ['libraries'], summary: 'Describe a library', params: NAME_PARAM, response: { 200: LIBRARY, ...errors } } },
    async (req) => libraryView(vdna.library(req.params.name)),
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/libraries/:name',
    { schema: { tags: ['libraries'], summary: 'Delete a library and its items', params: NAME_PARAM, response: { 204: { type: 'null' }, ...errors } } },
    async (req, reply) => {
      vdna.deleteLibrary(req.params.name);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { name: string }; Querystring: { Limit: number; Cursor?: string } }>(
    '/v1/libraries/:name/items',
    {
      schema: {
        tags: ['libraries'],
        summary: 'List items in key order, a page at a time',
        params: NAME_PARAM,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { Limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, Cursor: { type: 'string' } },
        },
        response: {
          200: { type: 'object', properties: { Items: { type: 'array', items: ITEM }, NextCursor: { type: 'string' } } },
          ...errors,
        },
      },
    },
    async (req) => {
      const after = req.query.Cursor === undefined ? undefined : Buffer.from(req.query.Cursor, 'base64url').toString();
      const items = vdna.list(req.params.name, { limit: req.query.Limit + 1, after });
      const page = items.slice(0, req.query.Limit);
      return {
        Items: page.map(itemView),
        ...(items.length > page.length && { NextCursor: Buffer.from(page[page.length - 1].key).toString('base64url') }),
      };
    },
  );

  app.delete<{ Params: { name: string }; Body: { PrimaryKeys: string[] } }>(
    '/v1/libraries/:name/items',
    {
      schema: {
        tags: ['libraries'],
        summary: 'Delete up to 50 items by primary key, in one transaction',
        params: NAME_PARAM,
        body: DELETE_ITEMS,
        response: {
          200: {
            type: 'object',
            properties: { Deleted: { type: 'array', items: { type: 'string' } }, NotFound: { type: 'array', items: { type: 'string' } } },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const keys = [...new Set(req.body.PrimaryKeys)];
      const removed = vdna.removeMany(req.params.name, keys);
      return { Deleted: keys.filter((_, i) => removed[i]), NotFound: keys.filter((_, i) => !removed[i]) };
    },
  );
}
