/**
 * Component tests of the web dashboard's drawings, in Node (Preact rendered to a string): a match's two
 * timelines with the joined segments, and a tagging result's timeline, checked against the documents
 * they draw; and the small rules the page runs on (polling back-off).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'preact-render-to-string';
import { TagTimeline } from '../web/src/components/tag-timeline.js';
import { TimelinePair } from '../web/src/components/timeline-pair.js';
import { nextDelay, POLL } from '../web/src/poll.js';
import { layoutPair, PAIR_GEOMETRY, segmentsOf } from '../web/src/timeline/pair-layout.js';
import { layoutTags, localPath, rowLabel, TAG_GEOMETRY } from '../web/src/timeline/tag-layout.js';
import type { Match, VideoTagResult } from '../web/src/types.js';

const MATCH: Match = {
  PrimaryKey: 'openboard',
  GlobalSimilarity: 0.83,
  VideoMatchSegments: [{ StartTime: 8, EndTime: 38, MasterStartTime: 60, MasterEndTime: 90, Similarity: 0.83 }],
  AudioMatchSegments: [{ StartTime: 10, EndTime: 30, MasterStartTime: 62, MasterEndTime: 82, Similarity: 0.41 }],
  TextMatchSegments: [{ Start: 12, End: 14, MasterStart: 64, MasterEnd: 66, QueryText: 'hello', MasterText: 'hello', Similarity: 1 }],
};

const inner = PAIR_GEOMETRY.width - PAIR_GEOMETRY.left - PAIR_GEOMETRY.right;
const xOf = (t: number, duration: number) => PAIR_GEOMETRY.left + (t / duration) * inner;

/** The attributes of every element of `tag` with class `cls` in rendered markup. */
function elements(html: string, tag: string, cls: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))]
    .map((m) => Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])))
    .filter((attrs) => (attrs.class ?? '').split(' ').includes(cls));
}

test('a match is laid out on both timelines to scale, one lane per modality, joined by a band', () => {
  const layout = layoutPair(40, 180, segmentsOf(MATCH));
  assert.equal(layout.segments.length, 3);
  const [video, audio, text] = layout.segments;
  assert.deepEqual([video.segment.modality, audio.segment.modality, text.segment.modality], ['video', 'audio', 'text']);
  assert.ok(Math.abs(video.query.x - xOf(8, 40)) < 1e-9);
  assert.ok(Math.abs(video.query.width - (xOf(38, 40) - xOf(8, 40))) < 1e-9);
  assert.ok(Math.abs(video.master.x - xOf(60, 180)) < 1e-9);
  assert.ok(Math.abs(video.master.width - (xOf(90, 180) - xOf(60, 180))) < 1e-9);
  // Lanes: the same seconds, different rows.
  assert.ok(video.query.y < audio.query.y && audio.query.y < text.query.y);
  assert.ok(video.query.y < video.master.y, 'the query is drawn above the item');
  // The band starts under the query box and ends over the item's box.
  const corners = video.link.split(' ').map((p) => p.split(',').map(Number));
  assert.equal(corners[0][0].toFixed(1), video.query.x.toFixed(1));
  assert.equal(corners[2][0].toFixed(1), (video.master.x + video.master.width).toFixed(1));
});

test('a still picture (an instant) stays visible, and a missing duration stretches to the last segment', () => {
  const still = layoutPair(0, 0, [{ modality: 'video', start: 0, end: 0, masterStart: 12, masterEnd: 12, similarity: 0.9 }]);
  assert.equal(still.segments[0].query.width, PAIR_GEOMETRY.minWidth);
  assert.equal(still.masterDuration, 12);
  assert.ok(still.segments[0].master.x + still.segments[0].master.width <= PAIR_GEOMETRY.width - PAIR_GEOMETRY.right + 1e-9);
});

test('TimelinePair draws each segment with its times, modality and similarity, as a keyboard-reachable button', () => {
  const html = render(<TimelinePair queryDuration={40} masterDuration={180} segments={segmentsOf(MATCH)} masterName="openboard" />);
  const groups = elements(html, 'g', 'segment');
  assert.equal(groups.length, 3);
  assert.deepEqual(
    groups.map((g) => [g['data-modality'], Number(g['data-start']), Number(g['data-end']), Number(g['data-master-start']), Number(g['data-master-end'])]),
    [
      ['video', 8, 38, 60, 90],
      ['audio', 10, 30, 62, 82],
      ['text', 12, 14, 64, 66],
    ],
  );
  assert.ok(groups.every((g) => g.role === 'button' && g.tabindex === '0' && /similarity/.test(g['aria-label'])));
  const queryBoxes = elements(html, 'rect', 'query-box');
  assert.ok(Math.abs(Number(queryBoxes[0].x) - xOf(8, 40)) < 1e-6);
  assert.match(html, />83 %</);
  assert.match(html, />41 %</);
  assert.equal(elements(html, 'text', 'lane-letter').length, 6, 'V, A and T on both bars');
});

const TAGS: VideoTagResult = {
  Keyword: [{ Tag: 'licence', Times: ['2000', '9500'] }],
  Person: [
    { Tag: 'Ada Lovelace', Times: ['1000'], FaceId: 'f1', FaceUrl: 'http://127.0.0.1:8080/v1/faces/f1?Expires=1&Signature=x' },
    { Tag: 'Unknown person 2', Times: ['4000', '5000'], FaceId: 'f2' },
  ],
  Location: [{ Tag: 'Paris', Times: ['7000'] }],
  Category: [],
  Ocr: [{ Text: 'CREATIVE COMMONS', Start: 1500, End: 4000 }],
  Asr: [{ Text: 'wanna work together', Start: 6000, End: 9000 }],
  Unavailable: [{ Type: 'OBJECT', Reason: 'not installed' }],
};

test('a tagging result is laid out as rows of marks and spans, in seconds, to the last thing seen', () => {
  const layout = layoutTags(TAGS);
  assert.equal(layout.duration, 9.5);
  assert.deepEqual(
    layout.rows.map((r) => [r.group, r.label, r.marks.length]),
    [
      ['Person', 'Ada Lovelace', 1],
      ['Person', 'Unknown person 2', 2],
      ['Keyword', 'licence', 2],
      ['Location', 'Paris', 1],
      ['Ocr', 'On-screen text', 1],
      ['Asr', 'Speech', 1],
    ],
  );
  const ocr = layout.rows[4].marks[0];
  const x = (s: number) => TAG_GEOMETRY.left + (s / 9.5) * (TAG_GEOMETRY.width - TAG_GEOMETRY.left - TAG_GEOMETRY.right);
  assert.ok(Math.abs(ocr.x - x(1.5)) < 1e-9 && Math.abs(ocr.x + ocr.width - x(4)) < 1e-9);
  assert.equal(layout.rows[0].faceUrl, '/v1/faces/f1?Expires=1&Signature=x', 'a face is loaded from this origin, whatever name the API gave it');
  // Object storage's own presigned URL stays whole: it is the bucket's, not a path of this server.
  const stored = 'http://s3.example.com:9000/files/vdna/faces/f1.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab12';
  assert.equal(localPath(stored), stored);
  // A longer media stretches the scale.
  assert.equal(layoutTags(TAGS, 60).duration, 60);
});

test('TagTimeline draws the rows with face pictures and every mark', () => {
  const html = render(<TagTimeline result={TAGS} />);
  const rows = elements(html, 'g', 'tag-row');
  assert.deepEqual(rows.map((r) => r['data-group']), ['Person', 'Person', 'Keyword', 'Location', 'Ocr', 'Asr']);
  assert.equal(elements(html, 'rect', 'mark').length, 8);
  assert.match(html, /<image href="\/v1\/faces\/f1\?Expires=1&amp;Signature=x"/);
  assert.match(html, /<tspan class="row-group">Person: <\/tspan>Ada Lovelace/);
  assert.doesNotMatch(html, /On-screen text: <\/tspan>/, 'a text track is named once');
  const empty: VideoTagResult = { Keyword: [], Person: [], Location: [], Category: [], Ocr: [], Asr: [] };
  assert.match(render(<TagTimeline result={empty} />), /Nothing was tagged/);
});

test("a row's label fits left of its marks: group and tag, the tag alone on a phone, a text track by its group", () => {
  const person = { group: 'Person' as const, label: 'Unknown person 12', faceUrl: '/v1/faces/f1' };
  const keyword = { group: 'Keyword' as const, label: 'configurapoes-and-more-words', faceUrl: undefined };
  assert.deepEqual(rowLabel(person, TAG_GEOMETRY.left), { group: 'Person: ', text: 'Unknown person 12' });
  assert.deepEqual(rowLabel(keyword, TAG_GEOMETRY.left), { group: 'Keyword: ', text: 'configurapoes-and-mo…' });
  // 137 px (a phone's 38 %): no room for the groups beside the tags.
  assert.deepEqual(rowLabel(person, 137), { text: 'Unknown perso…' });
  assert.deepEqual(rowLabel({ group: 'Keyword', label: 'hello' }, 137), { text: 'hello' });
  assert.deepEqual(rowLabel({ group: 'Ocr', label: 'On-screen text' }, 137), { text: 'On-screen text' });
  for (const left of [100, 137, 200]) {
    for (const row of [person, keyword]) {
      const { group = '', text } = rowLabel(row, left);
      const x = row.faceUrl ? TAG_GEOMETRY.face + TAG_GEOMETRY.gap : 0;
      assert.ok(x + (group + text).length * TAG_GEOMETRY.charWidth <= left - TAG_GEOMETRY.gap, `${left}: ${group}${text}`);
    }
  }
});

test('polling backs off while nothing changes and comes back at once after a change', () => {
  let delay: number = POLL.fastest;
  const seen = [];
  for (let i = 0; i < 8; i++) seen.push((delay = nextDelay(delay, false, false)));
  assert.deepEqual(seen, [2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  assert.equal(nextDelay(30000, true, false), POLL.fastest);
  assert.equal(nextDelay(1000, false, true), 2000, 'running jobs are followed every 2 s at most');
});
