/** The completion event sent to callbacks, shaped like the cloud's DNA-job events, in JSON or XML. */
import { XMLBuilder } from 'fast-xml-parser';
import type { Job } from '../jobs/types.js';

export interface JobEvent {
  /** AIMediaDNAComplete for save/search jobs (the cloud's name), DNADeleteComplete for delete jobs. */
  EventType: 'AIMediaDNAComplete' | 'DNADeleteComplete';
  EventTime: string;
  JobId: string;
  /** The job's primary key, else its input (URL, path, upload name). */
  MediaId: string;
  Status: Job['State'];
  Code: string;
  Message: string;
  Data: {
    Library: string;
    Mode: Job['Mode'];
    Queue: string;
    UserData?: string;
    /** Where the full result document can be fetched. */
    ResultUrl: string;
    Result: unknown;
  };
  CompleteTime: string;
}

export function jobEvent(job: Job, result: unknown, resultUrl: string): JobEvent {
  return {
    EventType: job.Mode === 'delete' ? 'DNADeleteComplete' : 'AIMediaDNAComplete',
    EventTime: new Date().toISOString(),
    JobId: job.JobId,
    MediaId: job.PrimaryKey ?? job.Input?.Source ?? '',
    Status: job.State,
    Code: job.Code ?? (job.State === 'Success' ? 'OK' : 'UNKNOWN'),
    Message: job.Message ?? '',
    Data: {
      Library: job.Library,
      Mode: job.Mode,
      Queue: job.Queue,
      ...(job.UserData !== undefined && { UserData: job.UserData }),
      ResultUrl: resultUrl,
      Result: result,
    },
    CompleteTime: job.CompleteTime ?? new Date().toISOString(),
  };
}

const xml = new XMLBuilder({ format: false, suppressEmptyNode: true });

/** The event as an XML document with root <Event>; arrays become repeated elements. */
export function eventXml(event: JobEvent): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml.build({ Event: event })}`;
}
