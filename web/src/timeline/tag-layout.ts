/**
 * A tagging result laid out as a timeline: one row per keyword, person, location and category with a
 * mark at each time it was seen, then a row of on-screen text (OCR) and one of speech (ASR) with a
 * span per line. Pure geometry in the SVG's own units; times arrive in milliseconds.
 */
import type { PersonTag, TimedTag, TimedText, VideoTagResult } from '../types.js';

export type TagGroup = 'Person' | 'Keyword' | 'Location' | 'Category' | 'Ocr' | 'Asr';
export const GROUP_LABEL: Record<TagGroup, string> = {
  Person: 'Person',
  Keyword: 'Keyword',
  Location: 'Location',
  Category: 'Category',
  Ocr: 'On-screen text',
  Asr: 'Speech',
};

export const TAG_GEOMETRY = { width: 1000, left: 230, right: 12, top: 18, rowHeight: 26, markHeight: 16, minWidth: 3, face: 20, gap: 6, charWidth: 7.3 } as const;

export interface TagMark {
  x: number;
  width: number;
  /** Seconds. */
  start: number;
  end: number;
  text?: string;
}

export interface TagRow {
  group: TagGroup;
  label: string;
  faceUrl?: string;
  faceId?: string;
  y: number;
  marks: TagMark[];
}

export interface TagLayout {
  width: number;
  /** Where the marks start: room for the labels. */
  left: number;
  duration: number;
  height: number;
  rows: TagRow[];
}

const msToSeconds = (ms: string | number) => Number(ms) / 1000;

/**
 * A face's URL as a path of this server: the API writes it absolute (its public URL), and a page
 * reached by another name of the same server (localhost, 127.0.0.1) may load only its own origin.
 * Object storage's own presigned URL (SigV4: X-Amz-Signature) stays as it is: the server's page
 * policy allows that origin.
 */
export function localPath(url: string): string | undefined {
  if (url.startsWith('/')) return url;
  try {
    const u = new URL(url);
    return u.searchParams.has('X-Amz-Signature') ? url : u.pathname + u.search;
  } catch {
    return undefined;
  }
}

/** The last moment anything was seen, in seconds. */
export function tagsDuration(result: VideoTagResult): number {
  const times = [...result.Keyword, ...result.Person, ...result.Location, ...result.Category].flatMap((t) => t.Times.map(msToSeconds));
  const ends = [...result.Ocr, ...result.Asr].map((t) => msToSeconds(t.End));
  return Math.max(0, ...times.filter(Number.isFinite), ...ends.filter(Number.isFinite));
}

export function layoutTags(result: VideoTagResult, mediaDuration?: number, width: number = TAG_GEOMETRY.width): TagLayout {
  const g = TAG_GEOMETRY;
  const duration = Math.max(mediaDuration ?? 0, tagsDuration(result), 1);
  // Labels take at most 38 % of a narrow (phone) drawing.
  const left = Math.min(g.left, Math.round(width * 0.38));
  const inner = width - left - g.right;
  const x = (s: number) => left + (Math.min(Math.max(s, 0), duration) / duration) * inner;
  // A tag seen at an instant is drawn as a second long (or the minimum width), so that it shows.
  const instant = (s: number): TagMark => ({ x: x(s), width: Math.max(x(s + 1) - x(s), g.minWidth), start: s, end: s });
  const span = (t: TimedText): TagMark => {
    const start = msToSeconds(t.Start);
    const end = Math.max(msToSeconds(t.End), start);
    return { x: x(start), width: Math.max(x(end) - x(start), g.minWidth), start, end, text: t.Text };
  };
  const rows: Omit<TagRow, 'y'>[] = [];
  const tagRows = (group: TagGroup, tags: (TimedTag | PersonTag)[]) =>
    tags.forEach((t) =>
      rows.push({
        group,
        label: t.Tag,
        ...('FaceUrl' in t && t.FaceUrl && { faceUrl: localPath(t.FaceUrl) }),
        ...('FaceId' in t && t.FaceId && { faceId: t.FaceId }),
        marks: t.Times.map(msToSeconds).filter(Number.isFinite).map(instant),
      }),
    );
  tagRows('Person', result.Person);
  tagRows('Keyword', result.Keyword);
  tagRows('Location', result.Location);
  tagRows('Category', result.Category);
  if (result.Ocr.length) rows.push({ group: 'Ocr', label: GROUP_LABEL.Ocr, marks: result.Ocr.map(span) });
  if (result.Asr.length) rows.push({ group: 'Asr', label: GROUP_LABEL.Asr, marks: result.Asr.map(span) });
  const placed = rows.map((r, i) => ({ ...r, y: g.top + i * g.rowHeight }));
  return { width, left, duration, height: g.top + rows.length * g.rowHeight + 8, rows: placed };
}

/**
 * A row's label as it fits left of the marks (~7.3 px a character of 13 px DejaVu Sans, the widest of
 * the page's fonts): a tag's group, then the tag, cut with "…"; in a drawing too narrow for both (a
 * phone's), every tag alone. A text track (on-screen text, speech) is named by its group only.
 */
export function rowLabel(row: Pick<TagRow, 'group' | 'label' | 'faceUrl'>, left: number): { group?: string; text: string } {
  const g = TAG_GEOMETRY;
  const chars = (faced: boolean) => Math.max(4, Math.floor((left - g.gap - (faced ? g.face + g.gap : 0)) / g.charWidth));
  const room = chars(row.faceUrl !== undefined);
  const fit = (text: string, n: number) => (text.length > n ? `${text.slice(0, Math.max(n - 1, 1))}…` : text);
  // Groups are named when the longest ("Category: ") leaves a face's row 10 characters of tag.
  const named = chars(true) >= 20;
  if (row.group === 'Ocr' || row.group === 'Asr' || !named) return { text: fit(row.label, room) };
  const group = `${GROUP_LABEL[row.group]}: `;
  return { group, text: fit(row.label, room - group.length) };
}
