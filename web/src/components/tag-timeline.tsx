/** A tagging result's timeline (see timeline/tag-layout.ts): a click on a mark plays the media from there. */
import { seconds } from '../format.js';
import { GROUP_LABEL, layoutTags, rowLabel, TAG_GEOMETRY } from '../timeline/tag-layout.js';
import type { VideoTagResult } from '../types.js';

export interface TagTimelineProps {
  result: VideoTagResult;
  mediaDuration?: number;
  onSeek?: (seconds: number) => void;
  /** The width it is shown at, in pixels (text keeps its size). */
  width?: number;
}

export function TagTimeline({ result, mediaDuration, onSeek, width }: TagTimelineProps) {
  const layout = layoutTags(result, mediaDuration, width);
  const g = TAG_GEOMETRY;
  if (layout.rows.length === 0) return <p class="empty">Nothing was tagged in this media.</p>;
  return (
    <svg class="tag-timeline" viewBox={`0 0 ${layout.width} ${layout.height}`} role="img" aria-label={`Tags over ${seconds(layout.duration)}; the lists below give every time`} data-duration={layout.duration}>
      <text class="tick" x={layout.left} y={12}>
        0
      </text>
      <text class="tick" x={layout.width - g.right} y={12} text-anchor="end">
        {seconds(layout.duration)}
      </text>
      {layout.rows.map((row, i) => {
        const label = rowLabel(row, layout.left);
        return (
          <g class={`tag-row tag-${row.group.toLowerCase()}`} key={i} data-group={row.group} data-label={row.label}>
            <rect class="row-track" x={layout.left} y={row.y} width={layout.width - layout.left - g.right} height={g.markHeight} />
            {row.faceUrl && <image href={row.faceUrl} x={0} y={row.y - 2} width={g.face} height={g.face} preserveAspectRatio="xMidYMid slice" />}
            <text class="row-label" x={row.faceUrl ? g.face + g.gap : 0} y={row.y + 12}>
              <title>{`${GROUP_LABEL[row.group]}: ${row.label}`}</title>
              {label.group && <tspan class="row-group">{label.group}</tspan>}
              {label.text}
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
        );
      })}
    </svg>
  );
}
