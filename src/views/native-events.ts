/** The native completion event, shaped like the cloud's DNA-job events, in JSON or XML. */
import { XMLBuilder } from 'fast-xml-parser';
import type { JobRecord, JobState } from '../jobs/types.js';
import type { EventFormatter } from '../notify/callbacks.js';
import { sign } from '../notify/signature.js';
import { resultView } from './native.js';
import { presignFaces, type FaceUrl } from './video-tags.js';

export interface JobEvent {
  /** Stable across retries of one delivery: receivers drop the repeats by it. */
  EventId: string;
  /** The clouds' names: AIMediaDNAComplete for save/search jobs, AIVideoTagComplete for tagging jobs; DNADeleteComplete for delete jobs. */
  EventType: 'AIMediaDNAComplete' | 'AIVideoTagComplete' | 'DNADeleteComplete';
  EventTime: string;
  JobId: string;
  /** The job's primary key, else its input (URL, path, upload name). */
  MediaId: string;
  Status: JobState;
  Code: string;
  Message: string;
  Data: {
    Library: string;
    Mode: JobRecord['mode'];
    Queue: string;
    UserData?: string;
    /** Where the full result document can be fetched (a presigned, expiring URL). */
    ResultUrl: string;
    Result: unknown;
  };
  CompleteTime: string;
}

export function jobEvent(job: JobRecord, result: unknown, resultUrl: string, eventId: string, faceUrl?: FaceUrl): JobEvent {
  return {
    EventId: eventId,
    EventType: job.kind === 'tag' ? 'AIVideoTagComplete' : job.mode === 'delete' ? 'DNADeleteComplete' : 'AIMediaDNAComplete',
    EventTime: new Date().toISOString(),
    JobId: job.id,
    MediaId: job.primaryKey ?? job.input?.source ?? '',
    Status: job.state,
    Code: job.code ?? (job.state === 'Success' ? 'OK' : 'UNKNOWN'),
    Message: job.message ?? '',
    Data: {
      Library: job.library,
      Mode: job.mode,
      Queue: job.queue,
      ...(job.userData !== undefined && { UserData: job.userData }),
      ResultUrl: resultUrl,
      Result: resultView(job, result, faceUrl),
    },
    CompleteTime: job.completedAt ?? new Date().toISOString(),
  };
}

const xml = new XMLBuilder({ format: false, suppressEmptyNode: true });

/** The event as an XML document with root <Event>; arrays become repeated elements. */
export function eventXml(event: JobEvent): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml.build({ Event: event })}`;
}

/** The native door's events, signed (X-Vdna-Signature); `resultUrl` and `faceUrl` hand out presigned URLs. */
export function nativeEvents(resultUrl: (job: JobRecord) => Promise<string>, faceUrl?: (faceId: string) => Promise<string>): EventFormatter {
  return {
    async render(job, result, { eventId, format, secret }) {
      const event = jobEvent(job, result, await resultUrl(job), eventId, faceUrl && (await presignFaces(result, faceUrl)));
      const body = format === 'xml' ? eventXml(event) : JSON.stringify(event);
      return {
        body,
        contentType: format === 'xml' ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8',
        headers: { 'x-vdna-signature': sign(secret, body) },
      };
    },
  };
}
