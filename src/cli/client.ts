/** A small client of the vdna HTTP API, for `vdna jobs`. */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { Job } from '../jobs/types.js';

/** An error answered by the server: its stable code and message. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const defaultServer = () => process.env.VDNA_SERVER ?? 'http://127.0.0.1:8080';

export class ServiceClient {
  constructor(private readonly base: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        ...(body instanceof FormData ? { body } : body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      throw new ServiceError('SERVER_UNREACHABLE', `no vdna server at ${this.base} (${(err as Error).cause ?? (err as Error).message}); start one with "vdna serve" or set --server / VDNA_SERVER`);
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new ServiceError(json?.Code ?? `HTTP_${res.status}`, json?.Message ?? `HTTP ${res.status}`);
    return json as T;
  }

  /** Submits a job; a local file is uploaded (streamed from disk), anything else is given as Input. */
  async submit(fields: Record<string, string | undefined>, media?: { file?: string; input?: { Type: string; Source: string } }): Promise<Job> {
    if (media?.file) {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.set(k, v);
      form.set('Media', await openAsBlob(media.file), basename(media.file));
      return this.request<Job>('POST', '/v1/jobs', form);
    }
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    if (body.Priority !== undefined) body.Priority = Number(body.Priority);
    if (typeof body.Callback === 'string') body.Callback = JSON.parse(body.Callback);
    if (media?.input) body.Input = media.input;
    return this.request<Job>('POST', '/v1/jobs', body);
  }

  job(id: string): Promise<Job> {
    return this.request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }
}
