/**
 * A tagging result in the clouds' shape (VOD's VideoTagResult, the AIVideoTagComplete event's Data):
 * `Keyword`, `Person` (with `FaceUrl`), `Location`, `Category`, each `[{Tag, Times: ["<ms>", …]}]`,
 * plus vdna's `Ocr` and `Asr` lists of `{Text, Start, End}` (milliseconds) and what could not run.
 */
export interface TimedTagRecord {
  tag: string;
  /** Seconds. */
  times: number[];
}

export interface PersonRecord {
  /** A registered person's name; absent for an unknown face. */
  name?: string;
  /** The face's id (its thumbnail, and how a user names it later). */
  faceId?: string;
  times: number[];
}

export interface TimedTextRecord {
  text: string;
  start: number;
  end: number;
}

/** What a tagging job stores as its result (times in seconds). */
export interface TagResult {
  mediaDuration: number;
  keywords: TimedTagRecord[];
  persons: PersonRecord[];
  locations: TimedTagRecord[];
  categories: TimedTagRecord[];
  ocr: TimedTextRecord[];
  asr: TimedTextRecord[];
  unavailable: Array<{ analyser: string; reason: string }>;
}

const ms = (seconds: number) => String(Math.round(seconds * 1000));
const tags = (list: TimedTagRecord[]) => list.map((t) => ({ Tag: t.tag, Times: t.times.map(ms) }));
const texts = (list: TimedTextRecord[]) => list.map((t) => ({ Text: t.text, Start: Math.round(t.start * 1000), End: Math.round(t.end * 1000) }));

/** `faceUrl` turns a face id into the URL its thumbnail is served at (none from the CLI). */
export function videoTagResult(result: TagResult, faceUrl?: (faceId: string) => string) {
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
