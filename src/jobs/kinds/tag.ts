/**
 * The tagging kind: who appears, what is said and shown, where and when (tagging/pipeline.ts). Faces
 * are named from the account's registered persons; the faces found are stored with the job, so that
 * their thumbnails can be served and an unknown one named later. With a library (a text library), the
 * text read and heard is also text DNA: searched there and stored as the mode says, so a re-upload
 * with the same narration or captions is found even when its picture is changed beyond recognition.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fingerprintText } from '../../fingerprint/text/shingles.js';
import type { LibraryIndexes } from '../../match/library-indexes.js';
import type { NewFace } from '../../store/faces.js';
import type { LibraryInfo, LibraryStore } from '../../store/store.js';
import { tagMedia, type AnalyserName, type TagReport } from '../../tagging/pipeline.js';
import type { PersonGallery } from '../../tagging/persons.js';
import type { JobKind, JobOutcome } from '../kinds.js';
import type { JobEffects } from '../queue.js';
import type { JobRecord, TagResult } from '../types.js';
import { outcomeMessage, searchAndStore, targetLibrary } from './dna.js';

export interface TagKindDeps {
  store: LibraryStore;
  indexes: LibraryIndexes;
  /** The account's registered persons. */
  gallery(account: string): Promise<PersonGallery>;
}

export function tagKind({ store, indexes, gallery }: TagKindDeps): JobKind {
  return {
    async run(job, ctx) {
      const types = (job.options?.types ?? []) as AnalyserName[];
      const library = job.library ? await targetLibrary(store, indexes, job) : undefined;
      const path = await ctx.stage();
      const report = await tagMedia(path, {
        types,
        gallery: types.includes('face') ? await gallery(job.account) : undefined,
        signal: ctx.signal,
        onProgress: (f) => ctx.progress(0.02 + 0.95 * f),
      });
      ctx.signal.throwIfAborted();
      const faces = facesOf(report, job.id);
      const result = tagResultOf(report, faces);
      const outcome: JobOutcome = { message: summary(result), result, effects: { faces } };
      return library ? { ...outcome, ...(await textDna(job, library, result, outcome.effects!)) } : outcome;
    },
  };

  /** The text read and heard as one timed text (speech, then the screen), searched and stored in the job's library. */
  async function textDna(job: JobRecord, library: LibraryInfo, result: TagResult, effects: JobEffects): Promise<Partial<JobOutcome>> {
    const byStart = (a: { start: number }, b: { start: number }) => a.start - b.start;
    const text = fingerprintText([...[...result.asr].sort(byStart), ...[...result.ocr].sort(byStart)], true);
    if (text.shingles.length === 0) {
      return { message: `${summary(result)}; too little text for text DNA`, result: { ...result, saved: false, matches: [] } };
    }
    const fp = { duration: result.mediaDuration, text };
    const found = await searchAndStore(indexes, library, job, fp);
    return {
      message: `${summary(result)}; text ${outcomeMessage(job.mode, found.item !== undefined)}`,
      result: { ...result, saved: found.item !== undefined, matches: found.matches },
      effects: { ...effects, ...found.effects },
    };
  }
}

/**
 * The faces of the persons seen, to be stored: a job's under ids made from the job's (unguessable as
 * it is), so that a run of the job again (its worker died after putting their thumbnails, before its
 * end committed) writes the same thumbnail keys again rather than leaving the first run's behind;
 * else (the CLI) under new ids.
 */
export const facesOf = (report: TagReport, jobId?: string): NewFace[] =>
  report.persons.map((p, i) => ({
    id: jobId ? createHash('sha256').update(`face/${jobId}/${i}`).digest('hex').slice(0, 24) : randomBytes(12).toString('hex'),
    descriptor: p.descriptor,
    thumbnail: p.thumbnail,
  }));

/** The report as a result (times in seconds), each person with the id its face is stored under. */
export function tagResultOf(report: TagReport, faces: NewFace[]): TagResult {
  return {
    mediaDuration: report.duration,
    keywords: report.keywords,
    persons: report.persons.map(({ name, times, ranges }, i) => ({ ...(name && { name }), faceId: faces[i].id, times, ranges })),
    locations: report.locations,
    categories: report.categories,
    ocr: report.ocr,
    asr: report.asr,
    unavailable: report.unavailable,
  };
}

const summary = (r: TagResult) =>
  `tagged: ${r.keywords.length} keywords, ${r.persons.length} persons, ${r.locations.length} locations, ${r.ocr.length} text lines, ${r.asr.length} speech phrases`;
