import { confirmedMatches, type PlacementVotes } from './placements.js';
import { round, unionVideoMatches, type Match, type MatchSegment, type TextMatchSegment } from './search.js';

/** Weighted mean similarity of segments (0 when there are none). */
function meanSimilarity<S extends { Similarity: number }>(segments: S[], weightOf: (s: S) => number): number {
  const weight = segments.reduce((a, s) => a + weightOf(s), 0);
  return weight > 0 ? segments.reduce((a, s) => a + s.Similarity * weightOf(s), 0) / weight : 0;
}

/** Duration-weighted: a segment's query duration, or its master duration for a still (an instant of the query). */
export const trackSimilarity = (segments: MatchSegment[]) =>
  meanSimilarity(segments, (s) => Math.max(s.EndTime - s.StartTime, s.MasterEndTime - s.MasterStartTime, 1e-3));

/** Text segments weigh by the length of the query text they cover. */
const textSimilarity = (segments: TextMatchSegment[]) => meanSimilarity(segments, (s) => s.QueryText.length);

/**
 * One Match per library item from the tracks that matched (picture, sound, text). GlobalSimilarity is
 * the largest of the tracks' similarities: a copy is a copy through whichever track survived the edit
 * (a re-uploaded film with dubbed sound matches by picture; a music video with a new picture, by sound).
 */
export function fuseMatches(video: Match[], audio: Map<string, MatchSegment[]>, text: Map<string, TextMatchSegment[]> = new Map()): Match[] {
  const byKey = new Map<string, Match>();
  const entry = (key: string) => {
    const m = byKey.get(key) ?? { PrimaryKey: key, GlobalSimilarity: 0, VideoMatchSegments: [], AudioMatchSegments: [], TextMatchSegments: [] };
    byKey.set(key, m);
    return m;
  };
  for (const m of video) byKey.set(m.PrimaryKey, { ...m });
  for (const [key, segments] of audio) entry(key).AudioMatchSegments = segments;
  for (const [key, segments] of text) entry(key).TextMatchSegments = segments;
  const out = [...byKey.values()].map((m) => ({
    ...m,
    GlobalSimilarity: round(
      Math.max(trackSimilarity(m.VideoMatchSegments), trackSimilarity(m.AudioMatchSegments), textSimilarity(m.TextMatchSegments)),
    ),
  }));
  return out.sort((a, b) => b.GlobalSimilarity - a.GlobalSimilarity || a.PrimaryKey.localeCompare(b.PrimaryKey));
}

/** `first` with the picture matches of a second look at the query through placements (`placed`) added,
 *  as far as they confirm the grid's votes that chose them (`chosen`: match/placements.ts confirmedMatches). */
export function withSecondLook(first: Match[], placed: Match[], chosen: PlacementVotes[], fps: number): Match[] {
  const confirmed = confirmedMatches(placed, chosen, fps);
  return confirmed.length ? withVideoMatches(unionVideoMatches(first.filter((m) => m.VideoMatchSegments.length), confirmed), first) : first;
}

/** Picture matches found apart (in the database) fused with the sound and text tracks of `others`. */
export function withVideoMatches(video: Match[], others: Match[]): Match[] {
  const track = <S>(segments: (m: Match) => S[]) => new Map(others.filter((m) => segments(m).length).map((m) => [m.PrimaryKey, segments(m)]));
  return fuseMatches(video, track((m) => m.AudioMatchSegments), track((m) => m.TextMatchSegments));
}
