/**
 * Submit media: a file (uploaded with a progress bar) or a URL, into a library, in a mode — store,
 * search, search then store if new, or tag — with a priority. An upload is registered as a media
 * first where the key may (so that players and pictures can show it later), else sent with the job.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, upload } from '../api.js';
import { ErrorNote, ProgressBar } from '../components/common.js';
import { can, usePermissions } from '../permissions.js';
import { href } from '../router.js';
import type { Job, Library } from '../types.js';

export type SubmitMode = 'onlysave' | 'nosave' | 'save' | 'forcesave' | 'tag';
export const MODES: { mode: SubmitMode; label: string; stores: boolean }[] = [
  { mode: 'nosave', label: 'Search', stores: false },
  { mode: 'save', label: 'Search, then save if new', stores: true },
  { mode: 'forcesave', label: 'Search, then save anyway', stores: true },
  { mode: 'onlysave', label: 'Save without searching', stores: true },
  { mode: 'tag', label: 'Tag (text, speech, faces, objects)', stores: false },
];
/** The analysers a tagging job may run (the API's Types), all by default. */
export const ANALYSERS = [
  { type: 'ocr', label: 'On-screen text' },
  { type: 'asr', label: 'Speech' },
  { type: 'face', label: 'Faces' },
  { type: 'object', label: 'Objects' },
] as const;

/** A primary key from a file name: its stem, with what keys may not hold replaced. */
export const keyFromFileName = (name: string) => name.replace(/\.[^.]*$/, '').replace(/[\u0000-\u001f\u007f]/g, '_').slice(0, 256) || 'media';

export function SubmitView({ library: preset }: { library?: string }) {
  const [libraries, setLibraries] = useState<Library[]>([]);
  const [library, setLibrary] = useState(preset ?? '');
  const [mode, setMode] = useState<SubmitMode>('nosave');
  const [source, setSource] = useState<'file' | 'url'>('file');
  const [file, setFile] = useState<File | undefined>();
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [priority, setPriority] = useState(1);
  const [types, setTypes] = useState<string[]>(ANALYSERS.map((a) => a.type));
  const [progress, setProgress] = useState<number | undefined>();
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    api<{ Libraries: Library[] }>('GET', '/v1/libraries').then((r) => {
      setLibraries(r.Libraries);
      if (!preset && r.Libraries[0]) setLibrary((l) => l || r.Libraries[0].Name);
    }, setError);
  }, []);
  const ready = usePermissions(
    [
      { action: 'vdna:RegisterMedia' },
      { action: 'vdna:SubmitJob' },
      // A tagging job without a library is checked on its queue.
      { action: 'vdna:SubmitJob', resource: 'queue/default' },
      ...libraries.flatMap((l) => ['vdna:SubmitJob', 'vdna:AddItems'].map((action) => ({ action, resource: `library/${l.Name}` }))),
    ],
    [libraries.map((l) => l.Name).join('\n')],
  );
  const open = libraries.filter((l) => can('vdna:SubmitJob', `library/${l.Name}`));
  const allowedModes = MODES.filter((m) =>
    m.mode === 'tag' ? can('vdna:SubmitJob', 'queue/default') : library !== '' && can('vdna:SubmitJob', `library/${library}`) && (!m.stores || can('vdna:AddItems', `library/${library}`)),
  );
  useEffect(() => {
    if (ready && allowedModes.length && !allowedModes.some((m) => m.mode === mode)) setMode(allowedModes[0].mode);
  }, [ready, library, allowedModes.length]);
  const stores = MODES.find((m) => m.mode === mode)?.stores ?? false;

  async function submit() {
    setError(undefined);
    setJob(undefined);
    const fields: Record<string, unknown> =
      mode === 'tag' ? { Kind: 'tag', Types: types.join(','), Priority: priority } : { Library: library, Mode: mode, Priority: priority, ...(stores && { PrimaryKey: key.trim() }) };
    try {
      let submitted: Job;
      if (source === 'url') {
        submitted = await api<Job>('POST', '/v1/jobs', { ...fields, Input: { Type: 'URL', Source: url.trim() } });
      } else if (can('vdna:RegisterMedia')) {
        const form = new FormData();
        form.set('Title', file!.name);
        form.set('Media', file!, file!.name);
        setProgress(0);
        const media = await upload<{ MediaId: string }>('/v1/media', form, setProgress);
        submitted = await api<Job>('POST', '/v1/jobs', { ...fields, Input: { Type: 'Media', Source: media.MediaId } });
      } else {
        const form = new FormData();
        for (const [name, value] of Object.entries(fields)) form.set(name, String(value));
        form.set('Media', file!, file!.name);
        setProgress(0);
        submitted = await upload<Job>('/v1/jobs', form, setProgress);
      }
      setJob(submitted);
    } catch (err) {
      setError(err);
    } finally {
      setProgress(undefined);
    }
  }

  if (ready && open.length === 0 && !can('vdna:SubmitJob')) {
    return (
      <section>
        <h1>Submit</h1>
        <p class="empty">This key may not submit jobs.</p>
      </section>
    );
  }
  const busy = progress !== undefined;
  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">Submit</h1>
      <form
        class="panel stacked-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset>
          <legend>Media</legend>
          <label class="choice">
            <input type="radio" name="source" value="file" checked={source === 'file'} onChange={() => setSource('file')} /> Upload a file
          </label>
          <label class="choice">
            <input type="radio" name="source" value="url" checked={source === 'url'} onChange={() => setSource('url')} /> A URL the server downloads
          </label>
          {source === 'file' ? (
            <label>
              File
              <input
                name="media-file"
                type="file"
                required
                onChange={(e) => {
                  const f = e.currentTarget.files?.[0];
                  setFile(f);
                  if (f && !key) setKey(keyFromFileName(f.name));
                }}
              />
            </label>
          ) : (
            <label>
              URL
              <input name="media-url" type="url" required placeholder="https://…" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
            </label>
          )}
        </fieldset>
        <label>
          Mode
          <select name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as SubmitMode)}>
            {allowedModes.map((m) => (
              <option key={m.mode} value={m.mode}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        {mode !== 'tag' && (
          <label>
            Library
            <select name="library" value={library} required onChange={(e) => setLibrary(e.currentTarget.value)}>
              {open.map((l) => (
                <option key={l.Name} value={l.Name}>
                  {l.Name} ({l.MediaType})
                </option>
              ))}
            </select>
          </label>
        )}
        {mode === 'tag' && (
          <fieldset>
            <legend>Look for</legend>
            {ANALYSERS.map((a) => (
              <label class="choice" key={a.type}>
                <input
                  type="checkbox"
                  name="types"
                  value={a.type}
                  checked={types.includes(a.type)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setTypes(ANALYSERS.map((x) => x.type).filter((t) => (t === a.type ? on : types.includes(t))));
                  }}
                />{' '}
                {a.label}
              </label>
            ))}
          </fieldset>
        )}
        {stores && (
          <label>
            Key to store it under
            <input name="primary-key" required maxLength={256} value={key} onInput={(e) => setKey(e.currentTarget.value)} />
          </label>
        )}
        <label>
          Priority
          <select name="priority" value={priority} onChange={(e) => setPriority(Number(e.currentTarget.value))}>
            <option value={0}>Low</option>
            <option value={1}>Normal</option>
            <option value={2}>High</option>
          </select>
        </label>
        {busy && <ProgressBar value={progress} label="Upload" />}
        <button type="submit" disabled={busy || allowedModes.length === 0 || (mode === 'tag' && types.length === 0)}>
          {busy ? 'Uploading…' : 'Submit'}
        </button>
      </form>
      <ErrorNote error={error} />
      {job && (
        <p class="note" role="status" data-job={job.JobId}>
          Job <a href={href.job(job.JobId)}>{job.JobId}</a> is {job.State.toLowerCase()}. Follow it on the <a href={href.jobs()}>jobs</a> page.
        </p>
      )}
    </section>
  );
}
