/**
 * The completion event of a job that came through the Alibaba door, as ApsaraVideo VOD documents
 * AIMediaDNAComplete: Status success|fail, Data a JSON *string* holding VideoDNA, CompleteTime to the
 * second; signed the way VOD signs HTTP callbacks: X-VOD-TIMESTAMP and X-VOD-SIGNATURE =
 * md5(callback URL|timestamp|key), the key being the account's callback secret.
 */
import { createHash } from 'node:crypto';
import type { EventFormatter } from '../../notify/callbacks.js';
import { aliyunTime, videoDna } from './render.js';

/** The Extend object a VOD client passed in UserData, handed back as the event's Extend (a JSON string). */
function extendOf(userData?: string): string | undefined {
  try {
    const extend = userData ? (JSON.parse(userData) as { Extend?: unknown }).Extend : undefined;
    return extend === undefined ? undefined : typeof extend === 'string' ? extend : JSON.stringify(extend);
  } catch {
    return undefined;
  }
}

export function aliyunEvents(): EventFormatter {
  return {
    async render(job, result, { url, secret }) {
      const ok = job.state === 'Success';
      const extend = extendOf(job.userData);
      const event = {
        EventTime: new Date().toISOString(),
        EventType: job.mode === 'delete' ? 'AIMediaDNADeleteComplete' : 'AIMediaDNAComplete',
        JobId: job.id,
        MediaId: job.primaryKey ?? job.input?.source ?? '',
        Status: ok ? 'success' : 'fail',
        Code: ok ? '0' : (job.code ?? 'InternalError'),
        Message: ok ? 'OK' : (job.message ?? ''),
        Data: JSON.stringify(videoDna(result)),
        ...(extend !== undefined && { Extend: extend }),
        CompleteTime: aliyunTime(job.completedAt),
      };
      const timestamp = String(Math.floor(Date.now() / 1000));
      return {
        body: JSON.stringify(event),
        contentType: 'application/json; charset=utf-8',
        ...(url && { headers: { 'x-vod-timestamp': timestamp, 'x-vod-signature': createHash('md5').update(`${url}|${timestamp}|${secret}`).digest('hex') } }),
      };
    },
  };
}
