/** Errors over HTTP: a status per stable code, and one body shape {Code, Message, RequestId}. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { storageError, VdnaError, type ErrorCode } from '../errors.js';

const STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  MALFORMED_REQUEST: 400,
  URL_NOT_ALLOWED: 403,
  PATH_NOT_ALLOWED: 403,
  UNKNOWN_LIBRARY: 404,
  UNKNOWN_KEY: 404,
  UNKNOWN_JOB: 404,
  DUPLICATE_KEY: 409,
  DUPLICATE_LIBRARY: 409,
  JOB_NOT_CANCELLABLE: 409,
  RESULT_NOT_READY: 409,
  CANCELLED: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_LARGE: 413,
  NOT_MEDIA: 415,
  NO_VIDEO_STREAM: 415,
  NO_AUDIO_STREAM: 415,
  WRONG_MEDIA_TYPE: 415,
  FILE_NOT_FOUND: 422,
  CORRUPT_MEDIA: 422,
  TRUNCATED_MEDIA: 422,
  TOO_SHORT: 422,
  DOWNLOAD_FAILED: 502,
  FFMPEG_MISSING: 500,
  STORAGE_UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
  ACCESS_DENIED: 403,
  Throttling: 429,
  UNKNOWN_ACCOUNT: 404,
  UNKNOWN_KEY_ID: 404,
  DUPLICATE_ACCOUNT: 409,
  UNKNOWN_MEDIA: 404,
  DATA_DIR_LOCKED: 409,
  HOST_NOT_ALLOWED: 421,
  UNKNOWN_DELIVERY: 404,
  IMPLAUSIBLE_DURATION: 422,
  MEDIA_TIMEOUT: 422,
  ANALYSER_UNAVAILABLE: 501,
  UNKNOWN_PERSON: 404,
  UNKNOWN_FACE: 404,
};

export const ERROR_BODY_SCHEMA = {
  type: 'object',
  properties: { Code: { type: 'string' }, Message: { type: 'string' }, RequestId: { type: 'string' } },
} as const;

/** Fastify's own errors (bad JSON, body limits, validation), renamed into vdna's codes. */
function fromFastify(err: FastifyError): { status: number; code: string; message: string } {
  if (err.validation) return { status: 400, code: 'INVALID_ARGUMENT', message: `request ${err.message}` };
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'MALFORMED_REQUEST', message: err.message };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: err.message };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, code: 'URI_TOO_LONG', message: 'a path parameter is too long' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'MALFORMED_REQUEST', message: 'the URL is malformed' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { status: 415, code: 'MALFORMED_REQUEST', message: err.message };
  }
  if (err instanceof SyntaxError) return { status: 400, code: 'MALFORMED_REQUEST', message: `malformed JSON: ${err.message}` };
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: 'MALFORMED_REQUEST', message: err.message };
  return { status: 500, code: 'INTERNAL_ERROR', message: 'internal error; see the server log' };
}

export function errorHandler(err: FastifyError | VdnaError, req: FastifyRequest, reply: FastifyReply): void {
  const known = err instanceof VdnaError ? err : storageError(err);
  const mapped = known ? { status: STATUS[known.code] ?? 500, code: known.code, message: known.message } : fromFastify(err as FastifyError);
  if (mapped.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: mapped.code, msg: mapped.message }, 'request rejected');
  // A server failure before the body was read (an upload cut short by a full disk): the connection is
  // closed rather than reused for another request. (A refusal, 4xx, lets the client finish sending.)
  if (!req.raw.complete && mapped.status >= 500) void reply.header('connection', 'close');
  void reply.status(mapped.status).send({ Code: mapped.code, Message: mapped.message, RequestId: req.id });
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ Code: 'NOT_FOUND', Message: `no route ${req.method} ${req.url.split('?')[0]}`, RequestId: req.id });
}

/** What the HTTP parser refuses before any request exists (headers too large, a broken request line), in vdna's shape. */
export function clientError(err: Error & { code?: string }, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, reason] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'REQUEST_TOO_LARGE', 'Request Header Fields Too Large'] : [400, 'MALFORMED_REQUEST', 'Bad Request'];
  const body = JSON.stringify({ Code: code, Message: status === 431 ? 'the request line or headers are too large' : 'malformed HTTP request' });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
