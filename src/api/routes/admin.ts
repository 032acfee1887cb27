import type { FastifyInstance } from 'fastify';
import { DEFAULT_ACCOUNT } from '../../access/caller.js';
import type { AccessService } from '../../services/access-service.js';
import { accountView, auditView, keyView, newKeyView } from '../../views/native.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { ACCOUNT, CREATE_KEY, ID_PARAM, KEY, NAME_PARAM } from '../schemas.js';

const errors = { 400: ERROR_BODY_SCHEMA, 401: ERROR_BODY_SCHEMA, 403: ERROR_BODY_SCHEMA, 404: ERROR_BODY_SCHEMA, 409: ERROR_BODY_SCHEMA };
const list = (items: object) => ({ type: 'object', properties: { [Object.keys(items)[0]]: { type: 'array', items: Object.values(items)[0] } } });

export function adminRoutes(app: FastifyInstance, access: AccessService): void {
  app.post<{ Body: { Name: string } }>(
    '/v1/accounts',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an account; answers its callback secret (vdna:CreateAccount, root keys)',
        body: { type: 'object', required: ['Name'], additionalProperties: false, properties: { Name: { type: 'string' } } },
        response: { 201: ACCOUNT, ...errors },
      },
    },
    async (req, reply) => {
      const { account, callbackSecret } = await access.createAccount(req.caller, req.body.Name);
      return reply.status(201).send(accountView(account, callbackSecret));
    },
  );

  app.get(
    '/v1/accounts',
    { schema: { tags: ['admin'], summary: "Accounts: all for a root key, else the key's own (vdna:ListAccounts)", response: { 200: list({ Accounts: ACCOUNT }), ...errors } } },
    async (req) => ({ Accounts: (await access.listAccounts(req.caller)).map((a) => accountView(a)) }),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/accounts/:name',
    { schema: { tags: ['admin'], summary: 'An account with its callback secret (vdna:GetAccount)', params: NAME_PARAM, response: { 200: ACCOUNT, ...errors } } },
    async (req) => {
      const { account, callbackSecret } = await access.getAccount(req.caller, req.params.name);
      return accountView(account, callbackSecret);
    },
  );

  app.post<{ Body: { Account?: string; Description?: string; Policy?: unknown; Admin?: boolean; Root?: boolean; RateLimit?: number } }>(
    '/v1/keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a key with a policy (or Admin); its AccessKeySecret and Token are shown in this answer only (vdna:CreateKey)',
        body: CREATE_KEY,
        response: { 201: KEY, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const key = await access.createKey(req.caller, {
        account: b.Account ?? req.caller.account ?? DEFAULT_ACCOUNT,
        description: b.Description,
        policy: b.Policy,
        admin: b.Admin,
        root: b.Root,
        rateLimit: b.RateLimit,
      });
      return reply.status(201).send(newKeyView(key));
    },
  );

  app.get<{ Querystring: { Account?: string } }>(
    '/v1/keys',
    {
      schema: {
        tags: ['admin'],
        summary: "Keys of the key's account, or of Account (root keys: every account when none is given) (vdna:ListKeys)",
        querystring: { type: 'object', additionalProperties: false, properties: { Account: { type: 'string' } } },
        response: { 200: list({ Keys: KEY }), ...errors },
      },
    },
    async (req) => ({ Keys: (await access.listKeys(req.caller, req.query.Account)).map(keyView) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    { schema: { tags: ['admin'], summary: 'Revoke a key: refused from the next request on (vdna:RevokeKey)', params: ID_PARAM, response: { 200: KEY, ...errors } } },
    async (req) => keyView(await access.revokeKey(req.caller, req.params.id)),
  );

  app.get<{ Querystring: { Account?: string; Since?: string; Limit?: number; Cursor?: string } }>(
    '/v1/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first: every call that changed something, and every denial (vdna:ReadAuditLog)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            Account: { type: 'string' },
            Since: { type: 'string', format: 'date-time' },
            Limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            Cursor: { type: 'string', maxLength: 64 },
          },
        },
        response: {
          200: { type: 'object', properties: { Entries: { type: 'array', items: { type: 'object', additionalProperties: true } }, NextCursor: { type: 'string' } } },
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await access.auditLog(req.caller, { account: q.Account, since: q.Since && new Date(q.Since).toISOString(), limit: q.Limit, cursor: q.Cursor });
      return { Entries: page.entries.map(auditView), ...(page.nextCursor && { NextCursor: page.nextCursor }) };
    },
  );
}
