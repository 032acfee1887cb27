import type { Match } from '../match/search.js';

/** A plain text table with aligned columns (numbers right-aligned). */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  const sec = s - m * 60;
  return `${m}:${sec.toFixed(2).padStart(5, '0')}`;
}

/** Matches as a table: one row per segment, the item's key and global similarity on its first row. */
export function matchTable(matches: Match[]): string {
  if (matches.length === 0) return 'no match';
  const rows = matches.flatMap((m) =>
    [
      ...m.VideoMatchSegments.map((s) => ['video', s] as const),
      ...m.AudioMatchSegments.map((s) => ['audio', s] as const),
      // Text segments: seconds for subtitles, word positions for plain text (see TextMatchSegment).
      ...m.TextMatchSegments.map((s) => ['text', { StartTime: s.Start, EndTime: s.End, MasterStartTime: s.MasterStart, MasterEndTime: s.MasterEnd, Similarity: s.Similarity }] as const),
    ].map(([track, s], i) => [
      i === 0 ? m.PrimaryKey : '',
      i === 0 ? m.GlobalSimilarity.toFixed(3) : '',
      track,
      `${formatSeconds(s.StartTime)}-${formatSeconds(s.EndTime)}`,
      `${formatSeconds(s.MasterStartTime)}-${formatSeconds(s.MasterEndTime)}`,
      s.Similarity.toFixed(3),
    ]),
  );
  return table(['key', 'similarity', 'track', 'query', 'library', 'segment similarity'], rows);
}
