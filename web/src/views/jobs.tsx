/** Jobs, live: state, progress and times, updated by polling with back-off; pause and resume queues; cancel; open a result. */
import { useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ErrorNote, ProgressBar } from '../components/common.js';
import { dateTime } from '../format.js';
import { can, ensurePermissions } from '../permissions.js';
import { usePolling } from '../poll.js';
import { href } from '../router.js';
import { FINAL_STATES, type Job, type Queue } from '../types.js';

const LIMIT = 50;

/** The resource a job's actions are checked on: its library, or its queue for a tagging job without one. */
const jobResource = (j: Job) => (j.Library ? `library/${j.Library}` : `queue/${j.Queue}`);

export function JobsView() {
  const [jobs, setJobs] = useState<Job[] | undefined>();
  const [queues, setQueues] = useState<Queue[]>([]);
  const [error, setError] = useState<unknown>();
  const [updated, setUpdated] = useState<Date | undefined>();
  const [, rerender] = useState(0);

  const { kick } = usePolling(async () => {
    await ensurePermissions([{ action: 'vdna:ListQueues' }]);
    const [list, queueList] = await Promise.all([
      api<{ Jobs: Job[] }>('GET', `/v1/jobs?Limit=${LIMIT}`),
      can('vdna:ListQueues') ? api<{ Queues: Queue[] }>('GET', '/v1/queues').catch(() => ({ Queues: [] as Queue[] })) : Promise.resolve({ Queues: [] as Queue[] }),
    ]).catch((err) => {
      setError(err);
      throw err;
    });
    await ensurePermissions([
      ...list.Jobs.flatMap((j) => ['vdna:CancelJob', 'vdna:GetJobResult'].map((action) => ({ action, resource: jobResource(j) }))),
      ...queueList.Queues.flatMap((q) => ['vdna:PauseQueue', 'vdna:ResumeQueue'].map((action) => ({ action, resource: `queue/${q.Name}` }))),
    ]);
    let changed = false;
    setJobs((prev) => {
      changed = JSON.stringify(prev) !== JSON.stringify(list.Jobs);
      return changed ? list.Jobs : prev;
    });
    setQueues(queueList.Queues);
    setUpdated(new Date());
    setError(undefined);
    rerender((n) => n + 1);
    return { changed, busy: list.Jobs.some((j) => !FINAL_STATES.includes(j.State)) };
  }, []);

  async function act(method: string, path: string) {
    try {
      await api(method, path);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
    kick();
  }

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <p class="meta" aria-live="off">
        {updated ? `Updated ${updated.toLocaleTimeString()}; the list refreshes by itself.` : 'Loading…'}
      </p>
      <ErrorNote error={error} />
      {queues.length > 0 && (
        <ul class="queues" aria-label="Queues">
          {queues.map((q) => (
            <li key={q.Name} class="queue" data-queue={q.Name} data-paused={q.Paused}>
              <strong>{q.Name}</strong> {q.Paused ? 'paused' : 'running'} ·{' '}
              {Object.entries(q.Counts)
                .filter(([, n]) => n > 0)
                .map(([state, n]) => `${n} ${state.toLowerCase()}`)
                .join(', ') || 'empty'}
              {q.Paused
                ? can('vdna:ResumeQueue', `queue/${q.Name}`) && (
                    <button type="button" onClick={() => act('POST', `/v1/queues/${enc(q.Name)}/resume`)}>
                      Resume
                    </button>
                  )
                : can('vdna:PauseQueue', `queue/${q.Name}`) && (
                    <button type="button" onClick={() => act('POST', `/v1/queues/${enc(q.Name)}/pause`)}>
                      Pause
                    </button>
                  )}
            </li>
          ))}
        </ul>
      )}
      {jobs && jobs.length === 0 && <p class="empty">No jobs yet.</p>}
      <ul class="cards jobs" aria-label="Jobs">
        {jobs?.map((j) => {
          const final = FINAL_STATES.includes(j.State);
          return (
            <li class="card job" key={j.JobId} data-job={j.JobId} data-state={j.State}>
              <div class="job-head">
                <span class={`state state-${j.State.toLowerCase()}`}>{j.State}</span>
                <strong>{j.Kind === 'tag' ? `Tagging${j.Types ? ` (${j.Types.split(',').join(', ')})` : ''}${j.Library ? `, ${j.Mode} in ${j.Library}` : ''}` : `${j.Mode} in ${j.Library}`}</strong>
                {j.PrimaryKey && <span class="meta"> · {j.PrimaryKey}</span>}
              </div>
              {j.State === 'Running' && <ProgressBar value={j.Progress / 100} label={`Progress of job ${j.JobId}`} />}
              <p class="meta">
                {j.Input && `${j.Input.Type}: ${j.Input.Source} · `}created {dateTime(j.CreateTime)}
                {j.StartTime && ` · started ${dateTime(j.StartTime)}`}
                {j.CompleteTime && ` · ended ${dateTime(j.CompleteTime)}`} · queue {j.Queue}, priority {j.Priority}
              </p>
              {j.State === 'Failed' && (
                <p class="job-error">
                  {j.Code}: {j.Message}
                </p>
              )}
              <div class="actions">
                {final && j.State !== 'Cancelled' && can('vdna:GetJobResult', jobResource(j)) && (
                  <a class="button" href={href.job(j.JobId)}>
                    Open result
                  </a>
                )}
                {!final && can('vdna:CancelJob', jobResource(j)) && (
                  <button type="button" class="danger" onClick={() => act('POST', `/v1/jobs/${enc(j.JobId)}/cancel`)}>
                    Cancel
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
