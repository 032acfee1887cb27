/**
 * Smart tagging of one media file, wired in one place: one decode pass hands over the frames where the
 * picture changed (and one every few seconds) and the audio; each frame goes to the picture analysers
 * asked for (OCR after its cheap text pre-check, faces, objects), the audio to speech recognition; then
 * captions are merged over time, faces named from the account's registered people or clustered into
 * unnamed ones, and keywords and locations drawn from what was read, said and seen.
 */
import { VdnaError } from '../errors.js';
import { probe } from '../media/probe.js';
import { CaptionTracker } from './captions.js';
import { decodeForTagging } from './decode-pass.js';
import { createFaceEngine } from './faces.js';
import { cropFrame, encodeJpeg } from './image.js';
import { findKeywords, type TimedTag } from './keywords.js';
import { findLocations } from './locations.js';
import { createObjectEngine } from './objects.js';
import { createOcrEngine } from './ocr.js';
import { assignNames, clusterFaces, type FaceObservation, type PersonGallery } from './persons.js';
import { groupPhrases } from './sentences.js';
import { createSpeechEngine } from './speech.js';
import type { AnalyserName, Box, FaceEngine, Frame, ObjectEngine, TimedText } from './types.js';

export { ANALYSERS, type AnalyserName } from './types.js';

/** A frame is analysed at least this often, changed or not (captions on a still picture, a face that stays). */
const FRAME_EVERY_SECONDS = 2;
/** Sightings of one face this close in time make one appearance (the longest step between analysed frames). */
const FACE_GAP_SECONDS = FRAME_EVERY_SECONDS + 0.5;
const KEYWORDS = 30;

export interface TagOptions {
  types: readonly AnalyserName[];
  /** The account's registered people: faces that match one are named. */
  gallery?: PersonGallery;
  signal?: AbortSignal;
  /** 0..1 */
  onProgress?: (fraction: number) => void;
}

/** A person seen in the media: a registered one (name), or an unknown face clustered across the video. */
export interface PersonSighting {
  name?: string;
  /** Start of each appearance, seconds. */
  times: number[];
  ranges: Array<{ start: number; end: number }>;
  /** The face's recognition embedding (the mean over its sightings), to name it later. */
  descriptor: number[];
  /** A JPEG of the clearest sighting. */
  thumbnail: Buffer;
}

export interface TagReport {
  duration: number;
  ocr: TimedText[];
  asr: TimedText[];
  keywords: TimedTag[];
  locations: TimedTag[];
  categories: TimedTag[];
  persons: PersonSighting[];
  /** Analysers asked for that could not run here (speech without pocketsphinx, say), with why. */
  unavailable: Array<{ analyser: AnalyserName | 'keyword' | 'location'; reason: string }>;
  framesAnalysed: number;
}

/** A face box grown by a quarter on each side, so a thumbnail shows the head, not just the features. */
const around = (box: Box): Box => ({ x: box.x - box.width / 4, y: box.y - box.height / 4, width: box.width * 1.5, height: box.height * 1.5 });

export async function tagMedia(path: string, options: TagOptions): Promise<TagReport> {
  const wants = (a: AnalyserName) => options.types.includes(a);
  const unavailable: TagReport['unavailable'] = [];
  /** What an analyser gives, or undefined (and a note) when its part is not installed here. */
  const optional = async <T>(analyser: TagReport['unavailable'][number]['analyser'], run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof VdnaError) || err.code !== 'ANALYSER_UNAVAILABLE') throw err;
      unavailable.push({ analyser, reason: err.message });
      return undefined;
    }
  };
  const engine = <T>(analyser: AnalyserName, create: () => Promise<T>) => (wants(analyser) ? optional(analyser, create) : Promise.resolve(undefined));
  const ocr = await engine('ocr', createOcrEngine);
  const faces: FaceEngine | undefined = await engine('face', createFaceEngine);
  const objects: ObjectEngine | undefined = await engine('object', createObjectEngine);
  const speech = await engine('asr', createSpeechEngine);
  try {
    const captions = new CaptionTracker();
    const sightings: Sighting[] = [];
    const { duration } = await probe(path);
    const labels = new Map<string, number[]>();
    let framesAnalysed = 0;
    const pass = await decodeForTagging(path, {
      heartbeatSeconds: FRAME_EVERY_SECONDS,
      audio: speech !== undefined,
      signal: options.signal,
      // Speech recognition runs after the pass: the pass is most of the work, not all of it.
      onProgress: (seconds) => duration > 0 && options.onProgress?.((0.9 * seconds) / duration),
      onFrame: async (frame) => {
        options.signal?.throwIfAborted();
        framesAnalysed++;
        if (ocr) captions.add(frame.time, (await ocr.mayHaveText(frame)) ? await ocr.read(frame) : []);
        if (faces) {
          const found = await faces.detect(frame);
          const names = options.gallery ? assignNames(found, options.gallery) : [];
          // Each sighting keeps its face's surroundings only (a thumbnail candidate), not the whole frame.
          found.forEach((f, i) => {
            const face = cropFrame(frame, around(f.box));
            sightings.push({ time: frame.time, descriptor: f.descriptor, box: f.box, score: f.score, face, name: names[i]?.name });
          });
        }
        if (objects) {
          for (const o of await objects.detect(frame)) labels.set(o.label, [...(labels.get(o.label) ?? []), frame.time]);
        }
      },
    });
    const asr = speech && pass.pcm ? groupPhrases(await speech.transcribe(pass.pcm, options.signal)) : [];
    const ocrTexts = ocr ? captions.finish(pass.duration) : [];
    const categories = [...labels].map(([tag, times]) => ({ tag, times: [...new Set(times)] }));
    const texts = [...ocrTexts, ...asr];
    const labelTexts = categories.flatMap((c) => c.times.map((t) => ({ text: c.tag, start: t, end: t })));
    return {
      duration: pass.duration,
      ocr: ocrTexts,
      asr,
      keywords: texts.length || labelTexts.length ? ((await optional('keyword', () => findKeywords([...texts, ...labelTexts], KEYWORDS))) ?? []) : [],
      locations: texts.length ? ((await optional('location', () => findLocations(texts))) ?? []) : [],
      categories,
      persons: await persons(sightings),
      unavailable,
      framesAnalysed,
    };
  } finally {
    await Promise.all([ocr?.close(), faces?.close(), objects?.close(), speech?.close()]);
  }
}

type Sighting = FaceObservation & { face: Frame; name?: string };

/** Registered people by name, then the unknown faces clustered; each with its times and a thumbnail. */
async function persons(sightings: Sighting[]): Promise<PersonSighting[]> {
  const groups = new Map<string | undefined, typeof sightings>();
  const named = sightings.filter((s) => s.name);
  for (const s of named) groups.set(s.name, [...(groups.get(s.name) ?? []), s]);
  const clusters = [
    ...[...groups].map(([name, members]) => ({ name, cluster: clusterFaces(members, { maxDistance: Infinity, gap: FACE_GAP_SECONDS })[0] })),
    ...clusterFaces(sightings.filter((s) => !s.name), { gap: FACE_GAP_SECONDS }).map((cluster) => ({ name: undefined, cluster })),
  ];
  return Promise.all(
    clusters.map(async ({ name, cluster }) => {
      const best = cluster.representative as Sighting;
      return {
        ...(name && { name }),
        times: cluster.ranges.map((r) => r.start),
        ranges: cluster.ranges,
        descriptor: [...cluster.descriptor],
        thumbnail: await encodeJpeg(best.face),
      };
    }),
  );
}
