/**
 * The Alibaba Cloud door: RPC requests at / and /aliyun/ (GET or POST, parameters in the query and a
 * form body), the action from `Action` or `x-acs-action`, the product from the version (2020-11-09
 * IMS, 2017-03-21 VOD). Requests are signed as the official SDKs sign them (RPC v1 or ACS3, checked
 * against the key's AccessKeySecret; a reused nonce is refused), answered in the SDKs' JSON, and
 * errors as {RequestId, HostId, Code, Message} with a 4xx/5xx status — a success body never carries a
 * top-level Code (pop-core would take it for an error).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { VdnaError, type ErrorCode } from '../../errors.js';
import type { Services } from '../../services/index.js';
import type { ActionHandler } from './actions.js';
import { IMS_ACTIONS } from './ims.js';
import { videoMatchInfo } from './render.js';
import { AliyunError, readAccessKeyId, verifyAliyunSignature, type AliyunRequest } from './signature.js';
import { VOD_ACTIONS } from './vod.js';
import type { JobResult } from '../../jobs/types.js';
import { presignFaces } from '../../views/video-tags.js';

const PRODUCTS: Record<string, Record<string, ActionHandler>> = { '2020-11-09': IMS_ACTIONS, '2017-03-21': VOD_ACTIONS };
export const ALIYUN_PATHS = ['/', '/aliyun', '/aliyun/'];
const RESULTS = '/aliyun/dna-results';

/** vdna's errors as the cloud's codes. */
const CODES: Partial<Record<ErrorCode, [number, string]>> = {
  INVALID_ARGUMENT: [400, 'InvalidParameter'],
  MALFORMED_REQUEST: [400, 'InvalidParameter'],
  UNKNOWN_LIBRARY: [400, 'InvalidParameter.DBNotExist'],
  UNKNOWN_JOB: [404, 'InvalidParameter.ResourceNotFound'],
  UNKNOWN_MEDIA: [404, 'InvalidParameter.ResourceNotFound'],
  UNKNOWN_KEY: [404, 'InvalidParameter.ResourceNotFound'],
  DUPLICATE_LIBRARY: [400, 'InvalidParameter.DuplicateName'],
  DUPLICATE_KEY: [400, 'InvalidParameter.DuplicatePrimaryKey'],
  JOB_NOT_CANCELLABLE: [400, 'InvalidParameter.JobStatus'],
  ACCESS_DENIED: [403, 'Forbidden.RAM'],
  Throttling: [400, 'Throttling.User'],
  UNAUTHENTICATED: [400, 'InvalidAccessKeyId.Inactive'],
  URL_NOT_ALLOWED: [403, 'Forbidden.InputNotAllowed'],
  PATH_NOT_ALLOWED: [403, 'Forbidden.InputNotAllowed'],
  NOT_MEDIA: [400, 'InvalidParameter.MediaFormat'],
  NO_VIDEO_STREAM: [400, 'InvalidParameter.MediaFormat'],
  NO_AUDIO_STREAM: [400, 'InvalidParameter.MediaFormat'],
  WRONG_MEDIA_TYPE: [400, 'InvalidParameter.MediaFormat'],
  CORRUPT_MEDIA: [400, 'InvalidParameter.MediaFormat'],
  TRUNCATED_MEDIA: [400, 'InvalidParameter.MediaFormat'],
  TOO_SHORT: [400, 'InvalidParameter.MediaFormat'],
  TOO_LARGE: [400, 'InvalidParameter.MediaTooLarge'],
  PAYLOAD_TOO_LARGE: [400, 'InvalidParameter.MediaTooLarge'],
  FILE_NOT_FOUND: [404, 'InvalidParameter.ResourceNotFound'],
  UNKNOWN_ACCOUNT: [404, 'InvalidParameter.ResourceNotFound'],
  DOWNLOAD_FAILED: [400, 'InvalidParameter.InputNotReadable'],
  RESULT_NOT_READY: [400, 'InvalidParameter.JobNotFinished'],
  HOST_NOT_ALLOWED: [400, 'InvalidParameter.Host'],
};

function toAliyun(err: unknown): AliyunError {
  if (err instanceof AliyunError) return err;
  if (err instanceof VdnaError) {
    const [status, code] = CODES[err.code] ?? [500, 'InternalError'];
    return new AliyunError(status, code, err.message);
  }
  return new AliyunError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
}

function requestOf(req: FastifyRequest): AliyunRequest {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const form = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')
    ? Object.fromEntries(new URLSearchParams(body.toString('utf8')))
    : {};
  const query = Object.fromEntries(new URL(req.url, 'http://door').searchParams);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
  return { method: req.method, path: req.url.split('?')[0], query, form, headers, body };
}

/** `faceUrl`: a face thumbnail's presigned URL (object storage's, else the native door's). */
export function aliyunDoor(app: FastifyInstance, services: Services, baseUrl: () => string, faceUrl: (faceId: string) => Promise<string>): void {
  const { access } = services;
  // DNAResult stays this door's own presigned URL, object storage or not: what it serves is IMS's
  // VideoMatchInfo array, rendered from the stored result on each read (below) — not the stored
  // document, which object storage would serve as it is. Keeping that rendering as a blob of its own
  // too would have the workers render for this door; rendering here keeps the door's shapes in the door.
  const dnaResultUrl = (jobId: string) => `${baseUrl()}${access.presignPath(`${RESULTS}/${jobId}`)}`;
  const faceUrls = (result: unknown) => presignFaces(result, faceUrl);
  // Bodies are read raw: ACS3 signs their hash, RPC v1 signs the form's parameters.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1 << 20 }, (_req, body, done) => done(null, body));

  async function handle(req: FastifyRequest, reply: FastifyReply) {
    const requestId = randomUUID().toUpperCase();
    try {
      const r = requestOf(req);
      const found = await access.signingKey(readAccessKeyId(r));
      if (!found) throw new AliyunError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
      const check = verifyAliyunSignature(r, found.secret);
      if (!access.useNonce(found.key.id, check.nonce)) throw new AliyunError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
      const params = { ...r.query, ...r.form };
      // ACS3 signs the x-acs-* headers; RPC v1 signs only the parameters, so it must name its action in them.
      const signedHeader = (name: string) => (check.scheme === 'ACS3-HMAC-SHA256' ? r.headers[name] : undefined);
      const action = params.Action ?? signedHeader('x-acs-action');
      const version = params.Version ?? signedHeader('x-acs-version');
      if (!action) throw new AliyunError(400, 'MissingAction', 'Action is mandatory for this action.');
      // Own entries only: an Action or Version named "constructor" or "__proto__" is no handler.
      const product = Object.hasOwn(PRODUCTS, version ?? '') ? PRODUCTS[version ?? ''] : undefined;
      const handler = product && Object.hasOwn(product, action) ? product[action] : undefined;
      if (!handler) throw new AliyunError(404, 'InvalidApi.NotFound', `Specified api is not found, please check your url and method. (${action} ${version ?? ''})`);
      const caller = access.callerOf(found.key, requestId);
      access.throttle(caller);
      const body = await handler({ caller, params, services, dnaResultUrl, faceUrls });
      return reply.header('x-acs-request-id', requestId).send({ RequestId: requestId, ...body });
    } catch (err) {
      const e = toAliyun(err);
      if (e.status >= 500) req.log.error({ err }, 'aliyun request failed');
      return reply
        .status(e.status)
        .header('x-acs-request-id', requestId)
        .send({ RequestId: requestId, HostId: req.headers.host ?? 'vdna', Code: e.code, Message: e.message });
    }
  }

  for (const url of ALIYUN_PATHS) app.route({ method: ['GET', 'POST'], url, schema: { hide: true }, handler: handle });
  // What fails before an action runs (the Host check, a body over the limit) answers in the cloud's shape too.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    // A failure of the server's own (a 5xx) is logged, never described to the client.
    const e = err instanceof VdnaError || err instanceof AliyunError ? toAliyun(err) : new AliyunError(status, err.statusCode === 413 ? 'InvalidParameter.BodyTooLarge' : 'InternalError', status < 500 ? err.message : 'The request processing has failed due to some unknown error.');
    if (e.status >= 500) req.log.error({ err }, 'aliyun request failed');
    const requestId = randomUUID().toUpperCase();
    void reply.status(e.status).header('x-acs-request-id', requestId).send({ RequestId: requestId, HostId: req.headers.host ?? 'vdna', Code: e.code, Message: e.message });
  });

  // DNAResult: the VideoMatchInfo array of a job, at a presigned URL (like the OSS object IMS hands out;
  // the stored result read through the job service, from object storage too).
  app.get<{ Params: { id: string } }>(`${RESULTS}/:id`, { schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0];
    const verdict = access.checkPresigned(path, req.query as Record<string, unknown>);
    if (verdict !== 'valid') {
      return reply.status(403).type('application/xml').send('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired or its signature does not match.</Message></Error>');
    }
    const { result } = await services.jobs.resultById(req.params.id);
    return ((result as JobResult | undefined)?.matches ?? []).map(videoMatchInfo);
  });
}
