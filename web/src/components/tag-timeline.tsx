/** A tagging result's timeline (see timeline/tag-layout.ts): a click on a mark plays the media from there. */
import { seconds } from '../format.js';
import { GROUP_LABEL, layoutTags, TAG_GEOMETRY } from '../timeline/tag-layout.js';
import type { VideoTagResult } from '../types.js';

export interface TagTimelineProps {
  result: VideoTagResult;
  mediaDuration?: number;
  onSeek?: (seconds: number) => void;
}

export function TagTimeline({ result, mediaDuration, onSeek }: TagTimelineProps) {
  const layout = layoutTags(result, mediaDuration);
  const g = TAG_GEOMETRY;
  if (layout.rows.length === 0) return <p class="empty">Nothing was tagged in this media.</p>;
  return (
    <svg class="tag-timeline" viewBox={`0 0 ${g.width} ${layout.height}`} role="img" aria-label={`Tags over ${seconds(layout.duration)}; the lists below give every time`} data-duration={layout.duration}>
      <text class="tick" x={g.left} y={12}>
        0
      </text>
      <text class="tick" x={g.width - g.right} y={12} text-anchor="end">
        {seconds(layout.duration)}
      </text>
      {layout.rows.map((row, i) => (
        <g class={`tag-row tag-${row.group.toLowerCase()}`} key={i} data-group={row.group} data-label={row.label}>
          <rect class="row-track" x={g.left} y={row.y} width={g.width - g.left - g.right} height={g.markHeight} />
          {row.faceUrl && <image href={row.faceUrl} x={0} y={row.y - 2} width={20} height={20} preserveAspectRatio="xMidYMid slice" />}
          <text class="row-label" x={row.faceUrl ? 26 : 0} y={row.y + 12}>
            <tspan class="row-group">{GROUP_LABEL[row.group]}: </tspan>
            {row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label}
          </text>
          {row.marks.map((m, j) => (
            <rect
              key={j}
              class="mark"
              x={m.x}
              y={row.y}
              width={m.width}
              height={g.markHeight}
              data-start={m.start}
              data-end={m.end}
              onClick={() => onSeek?.(m.start)}
            >
              <title>{`${m.text ?? row.label} at ${seconds(m.start)}`}</title>
            </rect>
          ))}
        </g>
      ))}
    </svg>
  );
}
