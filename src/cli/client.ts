/** A small client of the vdna HTTP API, for `vdna jobs` and the served demo: a bearer token or a signed request. */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { signRequest } from '../access/request-signature.js';
import type { JobView } from '../views/native.js';

/** An error answered by the server: its stable code and message. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A bearer token, or an access key pair that signs each request (VDNA-HMAC-SHA256). */
export type Credentials = { token: string } | { accessKeyId: string; secret: string };

export const defaultServer = () => process.env.VDNA_SERVER ?? 'http://127.0.0.1:8080';

/** --key, else $VDNA_API_KEY, else $VDNA_ACCESS_KEY_ID with $VDNA_ACCESS_KEY_SECRET. */
export function defaultCredentials(key?: string, env = process.env): Credentials | undefined {
  if (key ?? env.VDNA_API_KEY) return { token: (key ?? env.VDNA_API_KEY)! };
  if (env.VDNA_ACCESS_KEY_ID && env.VDNA_ACCESS_KEY_SECRET) return { accessKeyId: env.VDNA_ACCESS_KEY_ID, secret: env.VDNA_ACCESS_KEY_SECRET };
  return undefined;
}

export class ServiceClient {
  constructor(
    private readonly base: string,
    private readonly credentials?: Credentials,
  ) {}

  private authHeaders(method: string, url: URL, body: string | FormData | undefined): Record<string, string> {
    const c = this.credentials;
    if (!c) return {};
    if ('token' in c) return { authorization: `Bearer ${c.token}` };
    return signRequest({
      method,
      url,
      headers: {},
      body: body instanceof FormData ? 'UNSIGNED-PAYLOAD' : (body ?? ''),
      accessKeyId: c.accessKeyId,
      secret: c.secret,
    });
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body instanceof FormData ? body : body !== undefined ? JSON.stringify(body) : undefined;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        body: payload,
        headers: {
          ...(typeof payload === 'string' && { 'content-type': 'application/json' }),
          ...this.authHeaders(method, url, payload),
        },
      });
    } catch (err) {
      throw new ServiceError('SERVER_UNREACHABLE', `no vdna server at ${this.base} (${(err as Error).cause ?? (err as Error).message}); start one with "vdna serve" or set --server / VDNA_SERVER`);
    }
    const text = await res.text();
    let json: { Code?: string; Message?: string } | undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) throw new ServiceError(json?.Code ?? `HTTP_${res.status}`, json?.Message ?? `HTTP ${res.status}`);
    return json as T;
  }

  /** Submits a job; a local file is uploaded (streamed from disk), anything else is given as Input. */
  async submit(fields: Record<string, string | undefined>, media?: { file?: string; input?: { Type: string; Source: string } }): Promise<JobView> {
    if (media?.file) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.set(k, v);
      form.set('Media', await openAsBlob(media.file), basename(media.file));
      return this.request<JobView>('POST', '/v1/jobs', form);
    }
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    if (body.Priority !== undefined) body.Priority = Number(body.Priority);
    if (typeof body.Callback === 'string') body.Callback = JSON.parse(body.Callback);
    if (media?.input) body.Input = media.input;
    return this.request<JobView>('POST', '/v1/jobs', body);
  }

  job(id: string): Promise<JobView> {
    return this.request<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }
}
