/**
 * A tagging result: the media's player, a timeline of keywords, persons (with their faces),
 * locations, categories, on-screen text and speech, and the lists behind it — each time a button that
 * plays from there. An unknown face can be named: that adds it to the person registry.
 */
import { useRef, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ErrorNote, Note } from '../components/common.js';
import { useMediaUrls } from '../components/media.js';
import { TagTimeline } from '../components/tag-timeline.js';
import { useWidth } from '../components/use-width.js';
import { seconds } from '../format.js';
import { localPath } from '../timeline/tag-layout.js';
import { can, usePermissions } from '../permissions.js';
import { href } from '../router.js';
import type { Job, PersonTag, TimedTag, TimedText, VideoTagResult } from '../types.js';

export function TagsView({ job, result }: { job: Job; result: VideoTagResult }) {
  const urls = useMediaUrls(job.Input?.Type === 'Media' ? job.Input.Source : undefined);
  const player = useRef<HTMLVideoElement>(null);
  const ready = usePermissions([{ action: 'vdna:AddPerson' }], []);
  const [drawing, width] = useWidth<HTMLDivElement>();
  const seek = (at: number) => {
    if (!player.current) return;
    player.current.currentTime = at;
    void player.current.play().catch(() => undefined);
  };
  return (
    <>
      {urls && <video class="tag-player" ref={player} src={urls.ContentUrl} controls preload="metadata" aria-label="The tagged media" />}
      <div ref={drawing}>
        <TagTimeline result={result} mediaDuration={result.MediaDuration} onSeek={seek} width={width} />
      </div>
      {result.Unavailable?.length ? (
        <Note>
          Not analysed: {result.Unavailable.map((u) => `${u.Type} (${u.Reason})`).join('; ')}
        </Note>
      ) : null}
      <div class="tag-lists">
        <PersonList persons={result.Person} onSeek={seek} mayName={ready && can('vdna:AddPerson')} />
        <TagList title="Keywords" tags={result.Keyword} onSeek={seek} />
        <TagList title="Locations" tags={result.Location} onSeek={seek} />
        <TagList title="Categories" tags={result.Category} onSeek={seek} />
        <TextList title="On-screen text" lines={result.Ocr} onSeek={seek} />
        <TextList title="Speech" lines={result.Asr} onSeek={seek} />
      </div>
    </>
  );
}

const Times = ({ times, onSeek }: { times: string[]; onSeek: (s: number) => void }) => (
  <span class="times">
    {times.map((ms) => (
      <button type="button" class="time" key={ms} onClick={() => onSeek(Number(ms) / 1000)}>
        {seconds(Number(ms) / 1000)}
      </button>
    ))}
  </span>
);

function TagList({ title, tags, onSeek }: { title: string; tags: TimedTag[]; onSeek: (s: number) => void }) {
  if (!tags.length) return null;
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      <ul>
        {tags.map((t) => (
          <li key={t.Tag}>
            <strong>{t.Tag}</strong> <Times times={t.Times} onSeek={onSeek} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function TextList({ title, lines, onSeek }: { title: string; lines: TimedText[]; onSeek: (s: number) => void }) {
  if (!lines.length) return null;
  return (
    <section class="panel" aria-label={title}>
      <h2>{title}</h2>
      <ol class="lines">
        {lines.map((l, i) => (
          <li key={i}>
            <button type="button" class="time" onClick={() => onSeek(l.Start / 1000)}>
              {seconds(l.Start / 1000)}
            </button>{' '}
            {l.Text}
          </li>
        ))}
      </ol>
    </section>
  );
}

function PersonList({ persons, onSeek, mayName }: { persons: PersonTag[]; onSeek: (s: number) => void; mayName: boolean }) {
  if (!persons.length) return null;
  return (
    <section class="panel" aria-label="Persons">
      <h2>Persons</h2>
      <ul class="persons">
        {persons.map((p) => (
          <li key={p.FaceId ?? p.Tag} data-person={p.Tag}>
            {p.FaceUrl ? <img class="face" src={localPath(p.FaceUrl)} alt={`Face of ${p.Tag}`} width={48} height={48} /> : <span class="face face-missing" aria-hidden="true" />}
            <div>
              <strong>{p.Tag}</strong> <Times times={p.Times} onSeek={onSeek} />
              {mayName && p.FaceId && /^Unknown person/.test(p.Tag) && <NameFace faceId={p.FaceId} />}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Names an unknown face: the person registry gains it (a new person, or one more face of a known one). */
function NameFace({ faceId }: { faceId: string }) {
  const [name, setName] = useState('');
  const [done, setDone] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  if (done)
    return (
      <Note>
        Added to <a href={href.persons()}>{done}</a>.
      </Note>
    );
  return (
    <form
      class="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api('POST', `/v1/persons/${enc(name.trim())}`, { FaceIds: [faceId] });
          setDone(name.trim());
        } catch (err) {
          setError(err);
        }
      }}
    >
      <label>
        Name this face
        <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit">Add to persons</button>
      <ErrorNote error={error} />
    </form>
  );
}
