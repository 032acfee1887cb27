/**
 * A match drawn: the query's timeline above the library item's, each matched segment a box on both
 * joined by a band with its similarity; video, audio and text in lanes of their own, told apart by
 * colour, by the lane's letter and by the band's outline. A segment is a button: it plays both media
 * from its start.
 */
import { seconds as formatSeconds, percent } from '../format.js';
import { barHeight, layoutPair, MODALITIES, PAIR_GEOMETRY, pairHeight, type PairSegment } from '../timeline/pair-layout.js';

export const MODALITY_LABEL = { video: 'Video', audio: 'Audio', text: 'Text' } as const;

export interface TimelinePairProps {
  queryDuration: number;
  masterDuration: number;
  segments: PairSegment[];
  /** Names of the two media, for the labels read out to screen readers. */
  queryName?: string;
  masterName: string;
  selected?: number;
  onSelect?: (index: number) => void;
  /** The width it is shown at, in pixels (text keeps its size); 1000 units scaled to fit otherwise. */
  width?: number;
}

export function segmentLabel(s: PairSegment): string {
  return `${MODALITY_LABEL[s.modality]} segment: query ${formatSeconds(s.start)} to ${formatSeconds(s.end)}, item ${formatSeconds(s.masterStart)} to ${formatSeconds(s.masterEnd)}, similarity ${percent(s.similarity)}`;
}

export function TimelinePair(props: TimelinePairProps) {
  const layout = layoutPair(props.queryDuration, props.masterDuration, props.segments, props.width);
  const g = PAIR_GEOMETRY;
  const activate = (i: number) => props.onSelect?.(i);
  return (
    <svg
      class="timeline-pair"
      viewBox={`0 0 ${layout.width} ${pairHeight}`}
      role="group"
      aria-label={`Matched segments between ${props.queryName ?? 'the query'} and ${props.masterName}`}
      data-query-duration={layout.queryDuration}
      data-master-duration={layout.masterDuration}
    >
      {[
        { box: layout.query, name: 'Query', ticks: layout.queryTicks, tickY: layout.query.y - 6 },
        { box: layout.master, name: 'Item', ticks: layout.masterTicks, tickY: layout.master.y + barHeight + 16 },
      ].map((bar) => (
        <g class="bar" key={bar.name}>
          <rect class="bar-track" x={bar.box.x} y={bar.box.y} width={bar.box.width} height={bar.box.height} rx={2} />
          <text class="bar-name" x={4} y={bar.box.y + barHeight / 2 + 4}>
            {bar.name}
          </text>
          {MODALITIES.map((m, i) => (
            <text class={`lane-letter lane-${m}`} key={m} x={g.left - 10} y={bar.box.y + i * g.laneHeight + 10} text-anchor="middle" aria-hidden="true">
              {m[0].toUpperCase()}
            </text>
          ))}
          {bar.ticks.map((t) => (
            <text class="tick" key={t.seconds} x={t.x} y={bar.tickY} text-anchor="middle" aria-hidden="true">
              {formatSeconds(t.seconds)}
            </text>
          ))}
        </g>
      ))}
      {layout.segments.map((p, i) => (
        <g
          key={i}
          class={`segment segment-${p.segment.modality}${props.selected === i ? ' selected' : ''}`}
          data-modality={p.segment.modality}
          data-start={p.segment.start}
          data-end={p.segment.end}
          data-master-start={p.segment.masterStart}
          data-master-end={p.segment.masterEnd}
          data-similarity={p.segment.similarity}
          role="button"
          tabindex={0}
          aria-label={segmentLabel(p.segment)}
          onClick={() => activate(i)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              activate(i);
            }
          }}
        >
          <title>{segmentLabel(p.segment)}</title>
          <polygon class="link" points={p.link} />
          <rect class="box query-box" x={p.query.x} y={p.query.y} width={p.query.width} height={p.query.height} />
          <rect class="box master-box" x={p.master.x} y={p.master.y} width={p.master.width} height={p.master.height} />
          <text class="similarity" x={p.label.x} y={p.label.y} text-anchor="middle">
            {percent(p.segment.similarity)}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function ModalityLegend() {
  return (
    <ul class="legend" aria-label="Segment kinds">
      {MODALITIES.map((m) => (
        <li key={m}>
          <span class={`swatch swatch-${m}`} aria-hidden="true">
            {m[0].toUpperCase()}
          </span>
          {MODALITY_LABEL[m]}
        </li>
      ))}
    </ul>
  );
}
