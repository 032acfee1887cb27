/** Libraries: create one (its media type), open one to browse its items, delete one (confirmed). */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ConfirmButton, ErrorNote, Note } from '../components/common.js';
import { dateTime, seconds } from '../format.js';
import { can, usePermissions } from '../permissions.js';
import { href } from '../router.js';
import type { Library, MediaType } from '../types.js';

const MEDIA_TYPES: MediaType[] = ['video', 'audio', 'text', 'image'];
const PER_LIBRARY = ['vdna:DeleteLibrary', 'vdna:ListItems', 'vdna:SubmitJob'];

export function LibrariesView() {
  const [libraries, setLibraries] = useState<Library[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();

  async function load() {
    try {
      setLibraries((await api<{ Libraries: Library[] }>('GET', '/v1/libraries')).Libraries);
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => void load(), []);
  const names = libraries?.map((l) => l.Name) ?? [];
  const ready = usePermissions(
    [{ action: 'vdna:CreateLibrary' }, ...names.flatMap((n) => PER_LIBRARY.map((action) => ({ action, resource: `library/${n}` })))],
    [names.join('\n')],
  );

  return (
    <section aria-labelledby="libraries-title">
      <h1 id="libraries-title">Libraries</h1>
      <ErrorNote error={error} />
      {notice && <Note>{notice}</Note>}
      {ready && can('vdna:CreateLibrary') && (
        <CreateLibrary
          onCreated={(l) => {
            setNotice(`Library ${l.Name} created.`);
            setError(undefined);
            void load();
          }}
          onError={setError}
        />
      )}
      {libraries === undefined ? (
        !error && <p class="loading">Loading libraries…</p>
      ) : libraries.length === 0 ? (
        <p class="empty">No libraries yet{can('vdna:CreateLibrary') ? ': create one above.' : '.'}</p>
      ) : (
        <ul class="cards" aria-label="Libraries">
          {libraries.map((l) => (
            <li class="card" key={l.LibraryId} data-library={l.Name}>
              <h2>{can('vdna:ListItems', `library/${l.Name}`) ? <a href={href.library(l.Name)}>{l.Name}</a> : l.Name}</h2>
              <p class="meta">
                {l.MediaType} · {l.ItemCount} item{l.ItemCount === 1 ? '' : 's'} · {seconds(l.Duration)} stored · created {dateTime(l.CreateTime)}
              </p>
              {l.Description && <p>{l.Description}</p>}
              <div class="actions">
                {can('vdna:SubmitJob', `library/${l.Name}`) && (
                  <a class="button" href={href.submit(l.Name)}>
                    Submit media
                  </a>
                )}
                {can('vdna:DeleteLibrary', `library/${l.Name}`) && (
                  <ConfirmButton
                    label="Delete library"
                    question={`Delete ${l.Name} and its ${l.ItemCount} items?`}
                    onConfirm={async () => {
                      try {
                        await api('DELETE', `/v1/libraries/${enc(l.Name)}`);
                        setNotice(`Library ${l.Name} deleted.`);
                        await load();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  />
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateLibrary({ onCreated, onError }: { onCreated: (l: Library) => void; onError: (e: unknown) => void }) {
  const [name, setName] = useState('');
  const [mediaType, setMediaType] = useState<MediaType>('video');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="panel inline-form"
      aria-labelledby="create-library-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          const created = await api<Library>('POST', '/v1/libraries', { Name: name.trim(), MediaType: mediaType, Description: description });
          setName('');
          setDescription('');
          onCreated(created);
        } catch (err) {
          onError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="create-library-title">New library</h2>
      <label>
        Name
        <input name="library-name" required pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}" title="1-64 letters, digits, '.', '_' or '-'" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Media type
        <select name="media-type" value={mediaType} onChange={(e) => setMediaType(e.currentTarget.value as MediaType)}>
          {MEDIA_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Description
        <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Create library
      </button>
    </form>
  );
}
