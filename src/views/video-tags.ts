/**
 * A tagging result in the clouds' shape (VOD's VideoTagResult, the AIVideoTagComplete event's Data):
 * `Keyword`, `Person` (with `FaceUrl`), `Location`, `Category`, each `[{Tag, Times: ["<ms>", …]}]`,
 * plus vdna's `Ocr` and `Asr` lists of `{Text, Start, End}` (milliseconds) and what could not run.
 */
import type { TagResult } from '../jobs/types.js';
import type { TimedTag } from '../tagging/keywords.js';
import type { TimedText } from '../tagging/types.js';

const ms = (seconds: number) => String(Math.round(seconds * 1000));
const tags = (list: TimedTag[]) => list.map((t) => ({ Tag: t.tag, Times: t.times.map(ms) }));
const texts = (list: TimedText[]) => list.map((t) => ({ Text: t.text, Start: Math.round(t.start * 1000), End: Math.round(t.end * 1000) }));

/** Turns a face id into the URL its thumbnail is served at, presigned. */
export type FaceUrl = (faceId: string) => string;

/**
 * The FaceUrls of a result's persons (a tagging result; none for others), presigned ahead — object
 * storage's presigning is asynchronous — for the renderers that take a FaceUrl.
 */
export async function presignFaces(result: unknown, faceUrl: (faceId: string) => Promise<string>): Promise<FaceUrl> {
  const persons = (result as Partial<TagResult> | undefined)?.persons ?? [];
  const ids = [...new Set(persons.flatMap((p) => (p.faceId ? [p.faceId] : [])))];
  const urls = new Map(await Promise.all(ids.map(async (id) => [id, await faceUrl(id)] as const)));
  return (faceId) => urls.get(faceId) ?? '';
}

/** `faceUrl` turns a face id into the URL its thumbnail is served at (none from the CLI). */
export function videoTagResult(result: TagResult, faceUrl?: FaceUrl) {
  return {
    Keyword: tags(result.keywords),
    Person: result.persons.map((p, i) => ({
      Tag: p.name ?? `Unknown person ${i + 1}`,
      Times: p.times.map(ms),
      ...(p.faceId && { FaceId: p.faceId, ...(faceUrl && { FaceUrl: faceUrl(p.faceId) }) }),
    })),
    Location: tags(result.locations),
    Category: tags(result.categories),
    Ocr: texts(result.ocr),
    Asr: texts(result.asr),
    ...(result.unavailable.length && { Unavailable: result.unavailable.map((u) => ({ Type: u.analyser.toUpperCase(), Reason: u.reason })) }),
  };
}
