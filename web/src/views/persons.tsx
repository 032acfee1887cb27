/** The person registry that tagging names faces from: list, add a person from photos, remove (confirmed). */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ConfirmButton, ErrorNote, Note } from '../components/common.js';
import { dateTime } from '../format.js';
import { can, usePermissions } from '../permissions.js';
import type { Person } from '../types.js';

export function PersonsView() {
  const [persons, setPersons] = useState<Person[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  async function load() {
    try {
      setPersons((await api<{ Persons: Person[] }>('GET', '/v1/persons')).Persons);
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => void load(), []);
  const names = persons?.map((p) => p.Name) ?? [];
  const ready = usePermissions([{ action: 'vdna:AddPerson' }, ...names.map((n) => ({ action: 'vdna:RemovePerson', resource: `person/${n}` }))], [names.join('\n')]);

  return (
    <section aria-labelledby="persons-title">
      <h1 id="persons-title">Persons</h1>
      <p>Tagging names the faces it finds after the people registered here.</p>
      <ErrorNote error={error} />
      {notice && <Note>{notice}</Note>}
      {ready && can('vdna:AddPerson') && (
        <AddPerson
          onAdded={(name) => {
            setNotice(`${name} registered.`);
            setError(undefined);
            void load();
          }}
          onError={setError}
        />
      )}
      {persons && persons.length === 0 && <p class="empty">Nobody is registered yet.</p>}
      <ul class="cards" aria-label="Registered persons">
        {persons?.map((p) => (
          <li class="card" key={p.Name} data-person={p.Name}>
            <h2>{p.Name}</h2>
            <p class="meta">
              {p.Faces} face{p.Faces === 1 ? '' : 's'} · added {dateTime(p.CreateTime)}
            </p>
            {can('vdna:RemovePerson', `person/${p.Name}`) && (
              <ConfirmButton
                label="Remove"
                question={`Remove ${p.Name} from the registry?`}
                confirmLabel="Yes, remove"
                onConfirm={async () => {
                  try {
                    await api('DELETE', `/v1/persons/${enc(p.Name)}`);
                    setNotice(`${p.Name} removed.`);
                    await load();
                  } catch (err) {
                    setError(err);
                  }
                }}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AddPerson({ onAdded, onError }: { onAdded: (name: string) => void; onError: (e: unknown) => void }) {
  const [name, setName] = useState('');
  const [photos, setPhotos] = useState<File[]>([]);
  const [previews, setPreviews] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const urls = photos.map((p) => URL.createObjectURL(p));
    setPreviews(urls);
    return () => urls.forEach((u) => URL.revokeObjectURL(u));
  }, [photos]);
  return (
    <form
      class="panel stacked-form"
      aria-labelledby="add-person-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const element = e.currentTarget;
        setBusy(true);
        const form = new FormData();
        photos.forEach((p) => form.append('Photo', p, p.name));
        try {
          await api('POST', `/v1/persons/${enc(name.trim())}`, form);
          onAdded(name.trim());
          setName('');
          setPhotos([]);
          element.reset();
        } catch (err) {
          onError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="add-person-title">Add a person</h2>
      <label>
        Name
        <input name="person-name" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Photos of their face
        <input name="photos" type="file" accept="image/*" multiple required onChange={(e) => setPhotos([...(e.currentTarget.files ?? [])])} />
      </label>
      {previews.length > 0 && (
        <div class="strip">
          {previews.map((u, i) => (
            <img key={u} class="thumb" src={u} alt={`Photo ${i + 1}`} width={96} />
          ))}
        </div>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add person'}
      </button>
    </form>
  );
}
