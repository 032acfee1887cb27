/**
 * The match explorer: per matched library item, both timelines one above the other with the matched
 * segments joined (video, audio and text apart), a picture pair at each segment's start, and two
 * players that jump to the matched times when a segment is chosen.
 */
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, enc } from '../api.js';
import { ErrorNote } from '../components/common.js';
import { mediaIdOfSource, Thumbnail, useMediaUrls, type MediaUrls } from '../components/media.js';
import { MODALITY_LABEL, ModalityLegend, segmentLabel, TimelinePair } from '../components/timeline-pair.js';
import { useWidth } from '../components/use-width.js';
import { percent, seconds } from '../format.js';
import { segmentsOf } from '../timeline/pair-layout.js';
import type { DnaResult, Item, Job, Match } from '../types.js';

/** The job's own media, when it was a registered one (the dashboard's uploads are). */
const queryMediaId = (job: Job) => (job.Input?.Type === 'Media' ? job.Input.Source : undefined);

export function MatchExplorer({ job, result }: { job: Job; result: DnaResult }) {
  const queryUrls = useMediaUrls(queryMediaId(job));
  if (result.Matches.length === 0) {
    return (
      <div class="no-match" role="status">
        <h2>No match</h2>
        <p>
          Nothing in library {result.Library} shares content with this media{result.Saved ? `; it was saved as ${result.PrimaryKey}` : ''}.
        </p>
      </div>
    );
  }
  return (
    <>
      <p>
        {result.Matches.length === 1 ? '1 library item shares' : `${result.Matches.length} library items share`} content with this media
        {result.MediaDuration !== undefined ? ` (${seconds(result.MediaDuration)} long)` : ''}
        {result.Saved ? `; it was saved as ${result.PrimaryKey}` : ''}.
      </p>
      <ModalityLegend />
      {result.Matches.map((m) => (
        <MatchCard key={m.PrimaryKey} match={m} library={result.Library} queryDuration={result.MediaDuration ?? 0} queryUrls={queryUrls} />
      ))}
    </>
  );
}

function MatchCard({ match, library, queryDuration, queryUrls }: { match: Match; library: string; queryDuration: number; queryUrls: MediaUrls | undefined | null }) {
  const [item, setItem] = useState<Item | undefined>();
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState<number | undefined>();
  const queryPlayer = useRef<HTMLVideoElement>(null);
  const masterPlayer = useRef<HTMLVideoElement>(null);
  const [drawing, width] = useWidth<HTMLDivElement>();
  useEffect(() => {
    api<Item>('GET', `/v1/libraries/${enc(library)}/items/${enc(match.PrimaryKey)}`).then(setItem, setError);
  }, [library, match.PrimaryKey]);
  const masterUrls = useMediaUrls(mediaIdOfSource(item?.Source));
  const segments = segmentsOf(match);

  function play(index: number) {
    setSelected(index);
    const s = segments[index];
    for (const [player, at] of [
      [queryPlayer.current, s.start],
      [masterPlayer.current, s.masterStart],
    ] as const) {
      if (!player) continue;
      player.currentTime = at;
      void player.play().catch(() => undefined);
    }
  }

  return (
    <article class="card match" data-key={match.PrimaryKey} aria-labelledby={`match-${match.PrimaryKey}`}>
      <h2 id={`match-${match.PrimaryKey}`}>
        {match.PrimaryKey} <span class="similarity-badge">{percent(match.GlobalSimilarity)} similar</span>
      </h2>
      <ErrorNote error={error} />
      <div ref={drawing}>
        <TimelinePair
          width={width}
          queryDuration={queryDuration}
          masterDuration={item?.Duration ?? 0}
          segments={segments}
          masterName={match.PrimaryKey}
          selected={selected}
          onSelect={play}
        />
      </div>
      <div class="players">
        <Player label="Query" urls={queryUrls} refTo={queryPlayer} />
        <Player label={`Item ${match.PrimaryKey}`} urls={masterUrls} refTo={masterPlayer} />
      </div>
      <ol class="segments" aria-label={`Segments matched with ${match.PrimaryKey}`}>
        {segments.map((s, i) => (
          <li key={i} class={`segment-row segment-${s.modality}${selected === i ? ' selected' : ''}`} data-modality={s.modality}>
            <div class="pair">
              <Thumbnail urls={queryUrls} seconds={s.start} alt={`Query at ${seconds(s.start)}`} />
              <Thumbnail urls={masterUrls} seconds={s.masterStart} alt={`${match.PrimaryKey} at ${seconds(s.masterStart)}`} />
            </div>
            <div>
              <p>
                <span class={`swatch swatch-${s.modality}`} aria-hidden="true">
                  {s.modality[0].toUpperCase()}
                </span>{' '}
                <strong>{MODALITY_LABEL[s.modality]}</strong> · query {seconds(s.start)}–{seconds(s.end)} ↔ item {seconds(s.masterStart)}–{seconds(s.masterEnd)} ·{' '}
                {percent(s.similarity)}
              </p>
              {s.queryText && <p class="quote">“{s.queryText}” ↔ “{s.masterText}”</p>}
              <button type="button" onClick={() => play(i)} aria-label={`Play both from here: ${segmentLabel(s)}`}>
                Play both from here
              </button>
            </div>
          </li>
        ))}
      </ol>
    </article>
  );
}

function Player({ label, urls, refTo }: { label: string; urls: MediaUrls | undefined | null; refTo: RefObject<HTMLVideoElement | null> }) {
  return (
    <figure class="player">
      {urls ? (
        <video ref={refTo} src={urls.ContentUrl} controls preload="metadata" aria-label={label} />
      ) : (
        <div class="player-missing">{urls === null ? 'Loading…' : 'This media is not kept on the server, so it cannot be played here.'}</div>
      )}
      <figcaption>{label}</figcaption>
    </figure>
  );
}
