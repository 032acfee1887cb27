/**
 * Alibaba's wire shapes for a tagging result. VOD (GetAIVideoTagResult, ListAIJob's Data, the
 * AIVideoTagComplete event's Data): VideoTagResult's Keyword, Person (with FaceUrl), Location,
 * Category and Time, each `{Tag, Times: ["<ms>"…]}`, plus the raw speech as OrigASRData.AsrTextList
 * (the shape ListAIJob's documented sample begins with). IMS (QuerySmarttagJob): Results of
 * `{Type, Data: "<JSON>"}` — VideoLabel's persons as documented (name, category, ratio, occurrences
 * with from/to in seconds); the TextLabel, ASR and OCR Data schemas are not public, so theirs are
 * vdna's, in the same vocabulary (inferred).
 */
import type { TagResult } from '../../jobs/types.js';
import { words } from '../../fingerprint/text/shingles.js';
import { videoTagResult, type FaceUrl } from '../../views/video-tags.js';

const ms = (seconds: number) => Math.round(seconds * 1000);

/** VOD's VideoTagResult, with vdna's Ocr and Asr and what could not run. */
export function vodVideoTags(result: TagResult, faceUrl: FaceUrl) {
  return { ...videoTagResult(result, faceUrl), Time: [] as Array<{ Tag: string; Times: string[] }> };
}

/** A tagging job's Data (ListAIJob, AIVideoTagComplete): VideoTagResult's lists and the speech as OrigASRData. */
export function vodTagData(result: TagResult, faceUrl: FaceUrl) {
  return {
    ...vodVideoTags(result, faceUrl),
    OrigASRData: {
      AsrTextList: result.asr.map((a) => ({
        StartTime: ms(a.start),
        EndTime: ms(a.end),
        Text: a.text,
        ChannelId: 0,
        // Words per minute, as VOD's SpeechRate.
        SpeechRate: a.end > a.start ? Math.round((words(a.text).length * 60) / (a.end - a.start)) : 0,
      })),
    },
  };
}

/** IMS QuerySmarttagJob's Results: VideoLabel and TextLabel always; ASR and OCR when the job's Params asked for them. */
export function smarttagResults(result: TagResult, want: { asr: boolean; ocr: boolean }, faceUrl: FaceUrl) {
  const duration = result.mediaDuration || 1;
  const persons = result.persons.map((p, i) => {
    const ranges = p.ranges ?? p.times.map((t) => ({ start: t, end: t }));
    return {
      name: p.name ?? `unknown-${i + 1}`,
      category: p.name ? 'custom' : 'unknown',
      ratio: Math.min(1, ranges.reduce((sum, r) => sum + r.end - r.start, 0) / duration),
      ...(p.faceId && { faceId: p.faceId, faceUrl: faceUrl(p.faceId) }),
      occurrences: ranges.map((r) => ({ score: 1, from: r.start, to: r.end })),
    };
  });
  const labels = (mainTagName: string, list: TagResult['keywords']) =>
    list.map((t) => ({ mainTagName, tagName: t.tag, occurrences: t.times.map((time) => ({ from: time, to: time })) }));
  const spans = (list: TagResult['asr']) => list.map((t) => ({ from: t.start, to: t.end, content: t.text }));
  const entry = (Type: string, data: unknown) => ({ Type, Data: JSON.stringify(data) });
  return [
    entry('VideoLabel', { persons, tags: labels('Object', result.categories) }),
    entry('TextLabel', { tags: [...labels('Keyword', result.keywords), ...labels('Location', result.locations)] }),
    ...(want.asr ? [entry('ASR', spans(result.asr))] : []),
    ...(want.ocr ? [entry('OCR', spans(result.ocr))] : []),
  ];
}
