/**
 * The page's only way out: the vdna HTTP API of the server that served it, with the signed-in key as
 * a bearer token. Errors come back as the API words them ({Code, Message}), to be shown as they are.
 */
import { session } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function authorization(): Record<string, string> {
  const key = session.key();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** An API answer: JSON, or an ApiError carrying the API's Code and Message. */
function parseAnswer<T>(status: number, text: string): T {
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (status >= 200 && status < 300) return body as T;
  const e = (body ?? {}) as { Code?: string; Message?: string };
  // A revoked or unknown key: back to the sign-in form.
  if (status === 401) session.expire(e.Message ?? 'The key was not accepted.');
  throw new ApiError(status, e.Code ?? `HTTP_${status}`, e.Message ?? (text.slice(0, 200) || `the server answered ${status}`));
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers = authorization();
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `the server could not be reached (${(err as Error).message})`);
  }
  return parseAnswer<T>(res.status, await res.text());
}

/** A multipart POST that reports how much of the body has been sent (0..1): uploads of large media. */
export function upload<T = unknown>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [name, value] of Object.entries(authorization())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      try {
        resolve(parseAnswer<T>(xhr.status, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload was cut off before the server answered'));
    xhr.send(form);
  });
}

export const enc = encodeURIComponent;
