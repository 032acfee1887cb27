/**
 * What the page can show of a media: registered media (POST /v1/media) are kept on the server, and
 * their presigned URLs (GET /v1/media/{id}/urls) feed <video> and <img> elements, which cannot send
 * the key themselves. A library item made from one has the Source "media:<id>".
 */
import { useEffect, useState } from 'preact/hooks';
import { api, enc } from '../api.js';

export interface MediaUrls {
  ContentUrl: string;
  ThumbnailUrl: string;
}

const known = new Map<string, { askedAt: number; urls: Promise<MediaUrls | undefined> }>();
/** Presigned URLs expire (an hour by default): ask again well before. */
const REUSE_MS = 15 * 60 * 1000;

/** The presigned URLs of a media, or undefined when it cannot be shown (not kept here, or not allowed). */
export function mediaUrls(mediaId: string): Promise<MediaUrls | undefined> {
  const entry = known.get(mediaId);
  if (entry && Date.now() - entry.askedAt < REUSE_MS) return entry.urls;
  const urls = api<MediaUrls>('GET', `/v1/media/${enc(mediaId)}/urls`).catch(() => undefined);
  known.set(mediaId, { askedAt: Date.now(), urls });
  return urls;
}

export function forgetMediaUrls(): void {
  known.clear();
}

export const mediaIdOfSource = (source: string | undefined) => (source?.startsWith('media:') ? source.slice(6) : undefined);

export function useMediaUrls(mediaId: string | undefined): MediaUrls | undefined | null {
  // null while asking; undefined when there is nothing to show.
  const [urls, setUrls] = useState<MediaUrls | undefined | null>(mediaId ? null : undefined);
  useEffect(() => {
    let live = true;
    if (!mediaId) setUrls(undefined);
    else void mediaUrls(mediaId).then((u) => live && setUrls(u));
    return () => {
      live = false;
    };
  }, [mediaId]);
  return urls;
}

export const thumbnailSrc = (urls: MediaUrls, seconds: number, width = 160) => `${urls.ThumbnailUrl}&Time=${Math.max(0, seconds).toFixed(2)}&Width=${width}`;

export function Thumbnail({ urls, seconds, alt, width = 160 }: { urls: MediaUrls | undefined | null; seconds: number; alt: string; width?: number }) {
  if (!urls) return <span class="thumb thumb-missing" role="img" aria-label={`${alt}: no picture`} />;
  return <img class="thumb" src={thumbnailSrc(urls, seconds, width)} alt={alt} loading="lazy" width={width} />;
}

/** A few pictures spread over a media, for telling items apart at a glance. */
export function ThumbnailStrip({ mediaId, duration, count = 5, name }: { mediaId?: string; duration: number; count?: number; name: string }) {
  const urls = useMediaUrls(mediaId);
  if (urls === undefined) return <p class="strip strip-missing">No copy of this media is kept on the server to show.</p>;
  const times = Array.from({ length: count }, (_, i) => (duration * (i + 0.5)) / count);
  return (
    <div class="strip" aria-label={`Pictures of ${name}`}>
      {times.map((t) => (
        <Thumbnail key={t} urls={urls} seconds={t} alt={`${name} at ${t.toFixed(1)} s`} width={120} />
      ))}
    </div>
  );
}
