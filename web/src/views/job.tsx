/** A job and its result: the match explorer for a DNA search, the tags view for a tagging job. */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ErrorNote } from '../components/common.js';
import { dateTime } from '../format.js';
import { href } from '../router.js';
import { FINAL_STATES, isTagResult, type DnaResult, type Job, type VideoTagResult } from '../types.js';
import { MatchExplorer } from './match-explorer.js';
import { TagsView } from './tags.js';

export function JobView({ id }: { id: string }) {
  const [job, setJob] = useState<Job | undefined>();
  const [result, setResult] = useState<DnaResult | VideoTagResult | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    async function load() {
      try {
        const j = await api<Job>('GET', `/v1/jobs/${enc(id)}`);
        if (!live) return;
        setJob(j);
        if (FINAL_STATES.includes(j.State)) {
          if (j.State === 'Success') setResult(await api<DnaResult | VideoTagResult>('GET', `/v1/jobs/${enc(id)}/result`));
        } else timer = window.setTimeout(load, 1500);
      } catch (err) {
        if (live) setError(err);
      }
    }
    void load();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id]);

  return (
    <section aria-labelledby="job-title">
      <p class="crumbs">
        <a href={href.jobs()}>Jobs</a> /
      </p>
      <h1 id="job-title">{job?.Kind === 'tag' || isTagResult(result) ? 'Tags' : 'Matches'}</h1>
      <ErrorNote error={error} />
      {job && (
        <p class="meta">
          Job {job.JobId} · {job.State}
          {job.Types ? ` · ${job.Types.split(',').join(', ')}` : ''}
          {job.Library ? ` · ${job.Mode} in ${job.Library}` : ''}
          {job.PrimaryKey ? ` · key ${job.PrimaryKey}` : ''} · ended {dateTime(job.CompleteTime)}
        </p>
      )}
      {job && !FINAL_STATES.includes(job.State) && <p class="loading">The job is {job.State.toLowerCase()} ({job.Progress} %); its result shows here when it ends.</p>}
      {job?.State === 'Failed' && (
        <p class="job-error">
          {job.Code}: {job.Message}
        </p>
      )}
      {job && result && (isTagResult(result) ? <TagsView job={job} result={result} /> : <MatchExplorer job={job} result={result} />)}
    </section>
  );
}
