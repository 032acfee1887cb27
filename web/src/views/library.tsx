/** One library's items, a page at a time, each with a strip of pictures; delete items (confirmed). */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ConfirmButton, ErrorNote, Note } from '../components/common.js';
import { mediaIdOfSource, ThumbnailStrip } from '../components/media.js';
import { dateTime, seconds } from '../format.js';
import { can, usePermissions } from '../permissions.js';
import { href } from '../router.js';
import type { Item, Library } from '../types.js';

const PAGE = 24;

export function LibraryView({ name }: { name: string }) {
  const [library, setLibrary] = useState<Library | undefined>();
  const [items, setItems] = useState<Item[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [loaded, setLoaded] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const resource = `library/${name}`;
  const ready = usePermissions(
    ['vdna:GetLibrary', 'vdna:DeleteItems', 'vdna:SubmitJob'].map((action) => ({ action, resource })),
    [name],
  );

  async function loadPage(after?: string) {
    try {
      const page = await api<{ Items: Item[]; NextCursor?: string }>('GET', `/v1/libraries/${enc(name)}/items?Limit=${PAGE}${after ? `&Cursor=${enc(after)}` : ''}`);
      setItems((prev) => (after ? [...prev, ...page.Items] : page.Items));
      setCursor(page.NextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoaded(true);
    }
  }
  useEffect(() => {
    setItems([]);
    setSelected(new Set());
    void loadPage();
    if (ready && can('vdna:GetLibrary', resource)) api<Library>('GET', `/v1/libraries/${enc(name)}`).then(setLibrary, () => undefined);
  }, [name, ready]);

  async function remove(keys: string[]) {
    try {
      const { Deleted, NotFound } = await api<{ Deleted: string[]; NotFound: string[] }>('DELETE', `/v1/libraries/${enc(name)}/items`, { PrimaryKeys: keys });
      setNotice(`Deleted ${Deleted.length} item${Deleted.length === 1 ? '' : 's'}${NotFound.length ? `; ${NotFound.length} were already gone` : ''}.`);
      setSelected(new Set());
      await loadPage();
    } catch (err) {
      setError(err);
    }
  }

  const mayDelete = ready && can('vdna:DeleteItems', resource);
  return (
    <section aria-labelledby="library-title">
      <p class="crumbs">
        <a href={href.libraries()}>Libraries</a> /
      </p>
      <h1 id="library-title">{name}</h1>
      {library && (
        <p class="meta">
          {library.MediaType} library · {library.ItemCount} items · {seconds(library.Duration)} stored
        </p>
      )}
      <div class="actions">
        {ready && can('vdna:SubmitJob', resource) && (
          <a class="button" href={href.submit(name)}>
            Submit media
          </a>
        )}
        {mayDelete && selected.size > 0 && (
          <ConfirmButton label={`Delete ${selected.size} selected`} question={`Delete ${selected.size} item(s) from ${name}?`} onConfirm={() => remove([...selected].slice(0, 50))} />
        )}
      </div>
      <ErrorNote error={error} />
      {notice && <Note>{notice}</Note>}
      {loaded && items.length === 0 && !error && <p class="empty">This library has no items yet.</p>}
      <ul class="cards" aria-label={`Items of ${name}`}>
        {items.map((item) => (
          <li class="card item" key={item.PrimaryKey} data-key={item.PrimaryKey}>
            <div class="item-head">
              {mayDelete && (
                <input
                  type="checkbox"
                  aria-label={`Select ${item.PrimaryKey}`}
                  checked={selected.has(item.PrimaryKey)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.currentTarget.checked) next.add(item.PrimaryKey);
                    else next.delete(item.PrimaryKey);
                    setSelected(next);
                  }}
                />
              )}
              <h2>{item.PrimaryKey}</h2>
            </div>
            <ThumbnailStrip mediaId={mediaIdOfSource(item.Source)} duration={item.Duration} name={item.PrimaryKey} />
            <p class="meta">
              {seconds(item.Duration)} · {item.Frames} frames{item.HasAudio ? ' · sound' : ''}
              {item.HasText ? ' · text' : ''} · added {dateTime(item.AddTime)}
            </p>
            <p class="meta source">Source: {item.Source}</p>
            {mayDelete && <ConfirmButton label="Delete" question={`Delete ${item.PrimaryKey}?`} onConfirm={() => remove([item.PrimaryKey])} />}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => loadPage(cursor)}>
          More items
        </button>
      )}
    </section>
  );
}
