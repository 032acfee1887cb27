/**
 * The completion event of a job that came through the Tencent door, as CI sends it to a job's
 * CallBack: {EventName: TaskFinish, JobsDetail: [...]} in JSON, or <Response><EventName/><JobsDetail/>
 * in XML (the default). CI signs nothing; vdna adds its own X-Vdna-Signature so receivers can check.
 */
import type { EventFormatter } from '../../notify/callbacks.js';
import type { LibraryInfo } from '../../store/store.js';
import { sign } from '../../notify/signature.js';
import { jobsDetail, toXml, type TencentConfig } from './render.js';

export function tencentEvents(cfg: TencentConfig, libraryOf: (account: string, name: string) => Promise<LibraryInfo | undefined>): EventFormatter {
  return {
    async render(job, result, { format, secret }) {
      const detail = jobsDetail(job, result, await libraryOf(job.account, job.library), cfg);
      const body = format === 'xml' ? toXml({ Response: { EventName: 'TaskFinish', JobsDetail: detail } }) : JSON.stringify({ EventName: 'TaskFinish', JobsDetail: [detail] });
      return {
        body,
        contentType: format === 'xml' ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8',
        headers: { 'x-vdna-signature': sign(secret, body) },
      };
    },
  };
}
