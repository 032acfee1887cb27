/**
 * The calling key, as a client (the web dashboard) needs it: whose it is, and what its own policy
 * allows — so that a page can hide or disable what the key may not do, without a rule of its own.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessService } from '../../services/access-service.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 429: ERROR_BODY_SCHEMA };
export const MAX_PERMISSION_CHECKS = 500;

export function callerRoutes(app: FastifyInstance, access: AccessService): void {
  app.get(
    '/v1/caller',
    {
      schema: {
        tags: ['admin'],
        summary: 'The calling key: its account, AccessKeyId and whether it is a root key (any valid key)',
        response: {
          200: { type: 'object', properties: { Account: { type: 'string' }, AccessKeyId: { type: 'string' }, Root: { type: 'boolean' } } },
          ...errors,
        },
      },
    },
    async (req) => ({ Account: req.caller.account, ...(req.caller.keyId && { AccessKeyId: req.caller.keyId }), Root: req.caller.root }),
  );

  app.post<{ Body: { Checks: { Action: string; Resource?: string }[] } }>(
    '/v1/caller/permissions',
    {
      schema: {
        tags: ['admin'],
        summary:
          "What the calling key's policy allows: each check is an Action on a Resource (library/films), or without a Resource on some resource of the action's kind (any valid key)",
        body: {
          type: 'object',
          required: ['Checks'],
          additionalProperties: false,
          properties: {
            Checks: {
              type: 'array',
              maxItems: MAX_PERMISSION_CHECKS,
              items: {
                type: 'object',
                required: ['Action'],
                additionalProperties: false,
                properties: { Action: { type: 'string', maxLength: 64 }, Resource: { type: 'string', maxLength: 1200 } },
              },
            },
          },
        },
        response: { 200: { type: 'object', properties: { Allowed: { type: 'array', items: { type: 'boolean' } } } }, ...errors },
      },
    },
    async (req) => ({
      Allowed: access.permissions(
        req.caller,
        req.body.Checks.map((c) => ({ action: c.Action, resource: c.Resource })),
      ),
    }),
  );
}
