/**
 * Who is calling the native API: a bearer token, or a request signed with an access key pair
 * (VDNA-HMAC-SHA256, see access/request-signature.ts), or — for a job's result, a face thumbnail and a
 * media's content and pictures only — a presigned URL.
 * Runs before the body is read; then every key is held to its rate limit. Without credentials a
 * request gets 401, except the few open routes. `--no-auth` makes every caller the operator, and is
 * only possible on a loopback address with a loopback Host header (no DNS rebinding).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { localCaller, type Caller } from '../access/caller.js';
import { sha256Hex } from '../access/request-signature.js';
import { VdnaError } from '../errors.js';
import type { AccessService } from '../services/access-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
    /** A result, face or media fetched through its presigned URL: no key involved. */
    presigned: boolean;
    /** The request was HMAC-signed and declared its body's hash. */
    declaredBodyHash?: string;
    bodyHash?: string;
  }
}

/** Routes that need no key: health, the API's own description. */
const OPEN = [/^\/healthz$/, /^\/docs(\/.*)?$/, /^\/openapi\.json$/];
/** What a presigned URL may fetch without a key: a job's result, a face's thumbnail, a media's content and its pictures. */
const PRESIGNABLE = [/^\/v1\/jobs\/[^/]+\/result$/, /^\/v1\/faces\/[^/]+$/, /^\/v1\/media\/[^/]+\/(content|thumbnail)$/];
const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d+)?$/i;
const UNSIGNED = 'UNSIGNED-PAYLOAD';

export function isLoopbackHost(host: string): boolean {
  return host === '::1' || LOOPBACK_HOST.test(host);
}

export interface AuthOptions {
  access: AccessService;
  /** Every request acts as the operator of the default account (loopback only). */
  noAuth: boolean;
}

async function authenticate(req: FastifyRequest, opts: AuthOptions): Promise<Caller | undefined> {
  const path = req.url.split('?')[0];
  if (opts.noAuth) {
    if (!isLoopbackHost(req.headers.host ?? '')) {
      throw new VdnaError('UNAUTHENTICATED', 'this server runs without authentication and answers loopback host names only');
    }
    return localCaller();
  }
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^bearer /i.test(header)) {
    return opts.access.authenticateToken(header.slice(7).trim(), req.id);
  }
  const signed = await opts.access.authenticateSigned({ method: req.method, rawUrl: req.url, headers: req.headers }, req.id);
  if (signed) {
    req.declaredBodyHash = String(req.headers['x-vdna-content-sha256']);
    return signed;
  }
  if (header !== undefined) throw new VdnaError('UNAUTHENTICATED', 'unknown Authorization scheme: use "Bearer <token>" or VDNA-HMAC-SHA256');
  if (OPEN.some((r) => r.test(path))) return undefined;
  if (PRESIGNABLE.some((r) => r.test(path)) && (req.method === 'GET' || req.method === 'HEAD')) {
    const verdict = opts.access.checkPresigned(path, req.query as Record<string, unknown>);
    if (verdict === 'valid') {
      req.presigned = true;
      return undefined;
    }
    if (verdict === 'expired') throw new VdnaError('ACCESS_DENIED', 'this URL has expired; ask for a fresh one (the job gives a fresh ResultUrl, its result fresh FaceUrls)');
    if (verdict === 'invalid') throw new VdnaError('ACCESS_DENIED', 'this presigned URL is not valid (its signature does not match)');
  }
  throw new VdnaError('UNAUTHENTICATED', 'send an API key: Authorization: Bearer <token> (or sign the request with an access key pair)');
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.decorateRequest('caller', null as unknown as Caller);
  app.decorateRequest('presigned', false);
  app.addHook('onRequest', async (req, reply) => {
    let caller: Caller | undefined;
    try {
      caller = await authenticate(req, opts);
    } catch (err) {
      if (err instanceof VdnaError && err.code === 'UNAUTHENTICATED') void reply.header('www-authenticate', 'Bearer realm="vdna"');
      throw err;
    }
    if (caller) {
      req.caller = caller;
      opts.access.throttle(caller);
    }
  });

  // A signed request's body must be the one it declared (multipart uploads declare UNSIGNED-PAYLOAD).
  app.removeContentTypeParser('application/json');
  // Fastify's own JSON parser (it refuses __proto__ and constructor poisoning), after hashing the bytes.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    req.bodyHash = sha256Hex(body);
    parseJson(req, body.toString('utf8'), done);
  });
  app.addHook('preHandler', async (req) => {
    const declared = req.declaredBodyHash;
    if (declared === undefined) return;
    if (declared === UNSIGNED) {
      if (req.isMultipart()) return;
      throw new VdnaError('UNAUTHENTICATED', 'only multipart uploads may leave their body unsigned (UNSIGNED-PAYLOAD)');
    }
    if (declared !== (req.bodyHash ?? sha256Hex(''))) {
      throw new VdnaError('UNAUTHENTICATED', 'the body does not match its signed x-vdna-content-sha256 (multipart uploads sign UNSIGNED-PAYLOAD)');
    }
  });
}
