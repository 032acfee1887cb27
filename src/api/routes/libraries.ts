import type { FastifyInstance } from 'fastify';
import type { LibraryService } from '../../services/library-service.js';
import type { MediaType } from '../../store/store.js';
import { itemView, libraryView } from '../../views/native.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { CREATE_LIBRARY, DELETE_ITEMS, ITEM, LIBRARY, NAME_PARAM } from '../schemas.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 409: ERROR_BODY_SCHEMA };

export function libraryRoutes(app: FastifyInstance, libraries: LibraryService): void {
  app.post<{ Body: { Name: string; MediaType: MediaType; Description: string } }>(
    '/v1/libraries',
    { schema: { tags: ['libraries'], summary: 'Create a DNA library (vdna:CreateLibrary)', body: CREATE_LIBRARY, response: { 201: LIBRARY, ...errors } } },
    async (req, reply) => reply.status(201).send(libraryView(await libraries.create(req.caller, req.body.Name, req.body.MediaType, req.body.Description))),
  );

  app.get(
    '/v1/libraries',
    {
      schema: {
        tags: ['libraries'],
        summary: 'List the libraries the key may list, with item counts and stored seconds (vdna:ListLibraries)',
        response: { 200: { type: 'object', properties: { Libraries: { type: 'array', items: LIBRARY } } }, ...errors },
      },
    },
    async (req) => ({ Libraries: (await libraries.list(req.caller)).map(libraryView) }),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/libraries/:name',
    { schema: { tags: ['libraries'], summary: 'Describe a library (vdna:GetLibrary)', params: NAME_PARAM, response: { 200: LIBRARY, ...errors } } },
    async (req) => libraryView(await libraries.get(req.caller, req.params.name)),
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/libraries/:name',
    {
      schema: {
        tags: ['libraries'],
        summary: 'Delete a library and its items (vdna:DeleteLibrary)',
        params: NAME_PARAM,
        response: { 204: { type: 'null' }, ...errors },
      },
    },
    async (req, reply) => reply.status(204).send(await libraries.delete(req.caller, req.params.name)),
  );

  app.get<{ Params: { name: string }; Querystring: { Limit: number; Cursor?: string } }>(
    '/v1/libraries/:name/items',
    {
      schema: {
        tags: ['libraries'],
        summary: 'List items in key order, a page at a time (vdna:ListItems)',
        params: NAME_PARAM,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { Limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, Cursor: { type: 'string', maxLength: 1024 } },
        },
        response: {
          200: { type: 'object', properties: { Items: { type: 'array', items: ITEM }, NextCursor: { type: 'string' } } },
          ...errors,
        },
      },
    },
    async (req) => {
      const page = await libraries.items(req.caller, req.params.name, { limit: req.query.Limit, cursor: req.query.Cursor });
      return { Items: page.items.map(itemView), ...(page.nextCursor && { NextCursor: page.nextCursor }) };
    },
  );

  app.delete<{ Params: { name: string }; Body: { PrimaryKeys: string[] } }>(
    '/v1/libraries/:name/items',
    {
      schema: {
        tags: ['libraries'],
        summary: 'Delete up to 50 items by primary key, in one transaction (vdna:DeleteItems)',
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
      const { deleted, notFound } = await libraries.deleteItems(req.caller, req.params.name, req.body.PrimaryKeys);
      return { Deleted: deleted, NotFound: notFound };
    },
  );
}
