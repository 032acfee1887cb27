/**
 * Where a match's segments go when its two timelines are drawn one above the other: the query's on
 * top, the library item's below, each segment a box on both, joined by a band. Each modality has its
 * own lane on both bars, so that a video and an audio segment over the same seconds stay apart.
 * Pure geometry, in the SVG's own units (the drawing scales to the width it is given on the page).
 */
import type { Match } from '../types.js';

export type Modality = 'video' | 'audio' | 'text';
export const MODALITIES: Modality[] = ['video', 'audio', 'text'];

/** One matched stretch: seconds on the query and on the item (word positions for plain text). */
export interface PairSegment {
  modality: Modality;
  start: number;
  end: number;
  masterStart: number;
  masterEnd: number;
  similarity: number;
  queryText?: string;
  masterText?: string;
}

export function segmentsOf(match: Match): PairSegment[] {
  const timed = (modality: Modality) => (s: Match['VideoMatchSegments'][number]): PairSegment => ({
    modality,
    start: s.StartTime,
    end: s.EndTime,
    masterStart: s.MasterStartTime,
    masterEnd: s.MasterEndTime,
    similarity: s.Similarity,
  });
  return [
    ...(match.VideoMatchSegments ?? []).map(timed('video')),
    ...(match.AudioMatchSegments ?? []).map(timed('audio')),
    ...(match.TextMatchSegments ?? []).map((s) => ({
      modality: 'text' as const,
      start: s.Start,
      end: s.End,
      masterStart: s.MasterStart,
      masterEnd: s.MasterEnd,
      similarity: s.Similarity,
      queryText: s.QueryText,
      masterText: s.MasterText,
    })),
  ];
}

export const PAIR_GEOMETRY = {
  /** The drawing's width when none is given; the page gives its own width in pixels, so text keeps its size. */
  width: 1000,
  /** Room for the labels left of the bars. */
  left: 84,
  right: 16,
  queryTop: 22,
  masterTop: 122,
  laneHeight: 12,
  /** A still picture's instant is drawn this wide, so that it can be seen and clicked. */
  minWidth: 3,
} as const;

export const barHeight = PAIR_GEOMETRY.laneHeight * MODALITIES.length;
export const pairHeight = PAIR_GEOMETRY.masterTop + barHeight + 26;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedSegment {
  segment: PairSegment;
  query: Box;
  master: Box;
  /** The band joining the two boxes: an SVG polygon's points. */
  link: string;
  /** Where the similarity is written: the band's middle. */
  label: { x: number; y: number };
}

export interface PairLayout {
  width: number;
  queryDuration: number;
  masterDuration: number;
  query: Box;
  master: Box;
  segments: PlacedSegment[];
  queryTicks: { x: number; seconds: number }[];
  masterTicks: { x: number; seconds: number }[];
}

/** Pixels between time labels at least, so that they never run into each other. */
const TICK_SPACING = 90;

/** A scale that never divides by zero: an empty or unknown duration stretches to the last segment end. */
function scale(duration: number, width: number) {
  const inner = width - PAIR_GEOMETRY.left - PAIR_GEOMETRY.right;
  return (t: number) => PAIR_GEOMETRY.left + (Math.min(Math.max(t, 0), duration) / duration) * inner;
}

function span(x: (t: number) => number, from: number, to: number, y: number, width: number): Box {
  const a = x(from);
  const w = Math.max(x(to) - a, PAIR_GEOMETRY.minWidth);
  // A minimum-width box at the very end stays inside the bar.
  return { x: Math.min(a, width - PAIR_GEOMETRY.right - w), y, width: w, height: PAIR_GEOMETRY.laneHeight };
}

/** A tick every 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10 min…: at most `most` per bar. */
export function tickStep(duration: number, most = 8): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return steps.find((s) => duration / s <= most) ?? Math.ceil(duration / most / 3600) * 3600;
}

function ticks(duration: number, x: (t: number) => number, width: number) {
  const step = tickStep(duration, Math.max(2, Math.floor((width - PAIR_GEOMETRY.left) / TICK_SPACING)));
  const out = [];
  for (let t = 0; t <= duration + 1e-9; t += step) out.push({ x: x(t), seconds: t });
  return out;
}

export function layoutPair(queryDuration: number, masterDuration: number, segments: PairSegment[], width: number = PAIR_GEOMETRY.width): PairLayout {
  const g = PAIR_GEOMETRY;
  const inner = width - g.left - g.right;
  const qd = Math.max(queryDuration || 0, ...segments.map((s) => s.end), 1e-3);
  const md = Math.max(masterDuration || 0, ...segments.map((s) => s.masterEnd), 1e-3);
  const qx = scale(qd, width);
  const mx = scale(md, width);
  const lane = (m: Modality) => MODALITIES.indexOf(m) * g.laneHeight;
  const placed = segments.map((segment) => {
    const query = span(qx, segment.start, segment.end, g.queryTop + lane(segment.modality), width);
    const master = span(mx, segment.masterStart, segment.masterEnd, g.masterTop + lane(segment.modality), width);
    const top = g.queryTop + barHeight;
    const bottom = g.masterTop;
    const link = [
      [query.x, top],
      [query.x + query.width, top],
      [master.x + master.width, bottom],
      [master.x, bottom],
    ]
      .map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`)
      .join(' ');
    const label = { x: (query.x + query.width / 2 + master.x + master.width / 2) / 2, y: (top + bottom) / 2 + 4 };
    return { segment, query, master, link, label };
  });
  return {
    width,
    queryDuration: qd,
    masterDuration: md,
    query: { x: g.left, y: g.queryTop, width: inner, height: barHeight },
    master: { x: g.left, y: g.masterTop, width: inner, height: barHeight },
    segments: placed,
    queryTicks: ticks(qd, qx, width),
    masterTicks: ticks(md, mx, width),
  };
}
