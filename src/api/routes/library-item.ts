/** One library item by its primary key: its source and duration (a match names items by key alone). */
import type { FastifyInstance } from 'fastify';
import type { LibraryService } from '../../services/library-service.js';
import { itemView } from '../../views/native.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { ITEM } from '../schemas.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA };

export function libraryItemRoutes(app: FastifyInstance, libraries: LibraryService): void {
  app.get<{ Params: { name: string; key: string } }>(
    '/v1/libraries/:name/items/:key',
    {
      schema: {
        tags: ['libraries'],
        summary: 'An item by its primary key, URL-encoded (vdna:ListItems)',
        params: { type: 'object', required: ['name', 'key'], properties: { name: { type: 'string' }, key: { type: 'string', maxLength: 1024 } } },
        response: { 200: ITEM, ...errors },
      },
    },
    async (req) => itemView(await libraries.item(req.caller, req.params.name, req.params.key)),
  );
}
