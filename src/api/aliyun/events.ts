/**
 * The completion event of a job that came through the Alibaba door, as ApsaraVideo VOD documents
 * AIMediaDNAComplete and AIVideoTagComplete: Status success|fail, Data a JSON *string* (VideoDNA, or
 * the tagging result), times to the second; signed the way VOD signs HTTP callbacks: X-VOD-TIMESTAMP
 * and X-VOD-SIGNATURE = md5(callback URL|timestamp|key), the key being the account's callback secret.
 * An IMS smart-tagging job's NotifyUrl gets IMS's message instead: {Type: "smarttag", JobId, State, UserData}.
 */
import { createHash } from 'node:crypto';
import type { EventFormatter } from '../../notify/callbacks.js';
import type { TagResult } from '../../jobs/types.js';
import { aliyunTime, imsTagStatus, videoDna } from './render.js';
import { vodTagData } from './tags.js';
import { presignFaces } from '../../views/video-tags.js';

/** The Extend object a VOD client passed in UserData, handed back as the event's Extend (a JSON string). */
function extendOf(userData?: string): string | undefined {
  try {
    const extend = userData ? (JSON.parse(userData) as { Extend?: unknown }).Extend : undefined;
    return extend === undefined ? undefined : typeof extend === 'string' ? extend : JSON.stringify(extend);
  } catch {
    return undefined;
  }
}

/** `faceUrl`: a face thumbnail's presigned URL (object storage's, else the native door's). */
export function aliyunEvents(faceUrl: (faceId: string) => Promise<string>): EventFormatter {
  return {
    async render(job, result, { url, secret }) {
      const ok = job.state === 'Success';
      const tagging = job.kind === 'tag';
      if (tagging && job.options?.product === 'ims') {
        const message = { Type: 'smarttag', JobId: job.id, State: imsTagStatus(job.state), UserData: job.userData ?? '' };
        return { body: JSON.stringify(message), contentType: 'application/json; charset=utf-8' };
      }
      const extend = extendOf(job.userData);
      const event = {
        EventTime: aliyunTime(new Date().toISOString()),
        EventType: tagging ? 'AIVideoTagComplete' : job.mode === 'delete' ? 'AIMediaDNADeleteComplete' : 'AIMediaDNAComplete',
        JobId: job.id,
        MediaId: job.primaryKey ?? job.input?.source ?? '',
        Status: ok ? 'success' : 'fail',
        Code: ok ? '0' : (job.code ?? 'InternalError'),
        Message: ok ? 'OK' : (job.message ?? ''),
        Data: JSON.stringify(tagging ? (ok ? vodTagData(result as TagResult, await presignFaces(result, faceUrl)) : {}) : videoDna(result)),
        ...(extend !== undefined && { Extend: extend }),
        ...(!tagging && { CompleteTime: aliyunTime(job.completedAt) }),
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
