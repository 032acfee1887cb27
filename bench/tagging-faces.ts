/**
 * node dist/bench/tagging-faces.js — person tagging on the corpus's faces/ photos (ground truth in
 * faces/labels.csv): each person is registered from the first photo(s) showing them alone, and every
 * face of the other photos is named. People with no photo of their own (Jim, Wayne) stay unregistered,
 * so their photos check that strangers get no name. Also the seconds per 640x480 video frame. Needs
 * the tagging part.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFaceEngine } from '../src/tagging/faces.js';
import { readImage } from '../src/tagging/image.js';
import { assignNames, facesOfPhoto, PersonGallery, type GalleryOptions } from '../src/tagging/persons.js';
import type { FaceEngine, FoundFace } from '../src/tagging/types.js';
import { MEDIA } from './paths.js';
import { videoFrames } from './tagging-ocr.js';

const FACES_DIR = join(MEDIA, 'faces');

export interface PhotoFaces {
  file: string;
  /** Who is in the photo (labels.csv). */
  people: string[];
  /** What the engine found, largest first (facesOfPhoto). */
  faces: FoundFace[];
}

/** labels.csv: file,people (;-separated),notes. */
export function readFaceLabels(): Array<{ file: string; people: string[] }> {
  const [, ...rows] = readFileSync(join(FACES_DIR, 'labels.csv'), 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [file, people] = row.split(',', 2);
    return { file, people: people.split(';') };
  });
}

export async function photoFaces(engine: FaceEngine): Promise<PhotoFaces[]> {
  const photos: PhotoFaces[] = [];
  for (const { file, people } of readFaceLabels()) {
    photos.push({ file, people, faces: await facesOfPhoto(engine, await readImage(join(FACES_DIR, file))) });
  }
  return photos;
}

export interface Evaluation {
  /** Person -> the photos they were registered from. */
  registered: Map<string, string[]>;
  /** Appearances of registered people in the other photos, */
  appearances: number;
  /** of which named, */
  found: number;
  /** and names given to a photo that does not show that person. */
  wrong: number;
  /** Names given in photos that show no registered person. */
  strangerNames: number;
  misses: string[];
  mistakes: string[];
}

/** Registers each person from their first `photosPerPerson` solo photos (in labels order) and names the rest. */
export function evaluate(photos: PhotoFaces[], photosPerPerson = 1, options?: GalleryOptions): Evaluation {
  const gallery = new PersonGallery(options);
  const registered = new Map<string, string[]>();
  for (const photo of photos) {
    const [person] = photo.people;
    const own = registered.get(person) ?? [];
    if (photo.people.length !== 1 || own.length >= photosPerPerson || !photo.faces.length) continue;
    gallery.add(person, photo.faces[0].descriptor);
    registered.set(person, [...own, photo.file]);
  }
  const used = new Set([...registered.values()].flat());
  const result: Evaluation = { registered, appearances: 0, found: 0, wrong: 0, strangerNames: 0, misses: [], mistakes: [] };
  for (const photo of photos.filter((p) => !used.has(p.file))) {
    const names = assignNames(photo.faces, gallery).flatMap((m) => (m ? [m.name] : []));
    for (const person of photo.people.filter((p) => registered.has(p))) {
      result.appearances++;
      if (names.includes(person)) result.found++;
      else result.misses.push(`${person} in ${photo.file}`);
    }
    for (const name of names.filter((n) => !photo.people.includes(n))) {
      result.wrong++;
      result.mistakes.push(`${name} in ${photo.file}`);
    }
    if (!photo.people.some((p) => registered.has(p))) result.strangerNames += names.length;
  }
  return result;
}

/** The rules compared: the plain distance threshold this started from, and the gallery's defaults. */
const RULES: Array<{ rule: string; options?: GalleryOptions }> = [
  { rule: 'threshold 0.6 only', options: { threshold: 0.6, sureDistance: 0.6, maxThreshold: 0.6 } },
  { rule: 'gallery defaults' },
];

export interface FacesBench {
  engine: string;
  loadSeconds: number;
  /** With the gallery's defaults and one photo per person. */
  appearances: number;
  found: number;
  wrong: number;
  strangerNames: number;
  rows: Array<{ rule: string; photosPerPerson: number } & Omit<Evaluation, 'registered'>>;
  secondsPerPhoto: number;
  secondsPerFrame640x480: number;
  /** The process's CPU seconds per frame: the cost on an idle core, whatever else the machine runs. */
  cpuSecondsPerFrame640x480: number;
  facesPerFrame640x480: number;
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
};

export async function benchFaces(): Promise<FacesBench> {
  const loadStart = performance.now();
  const engine = await createFaceEngine();
  const loadSeconds = (performance.now() - loadStart) / 1000;
  try {
    const photoStart = performance.now();
    const photos = await photoFaces(engine);
    const secondsPerPhoto = (performance.now() - photoStart) / 1000 / photos.length;
    const rows = [1, 2].flatMap((photosPerPerson) =>
      RULES.map(({ rule, options }) => {
        const { registered, ...scores } = evaluate(photos, photosPerPerson, options);
        return { rule, photosPerPerson, ...scores };
      }),
    );
    const frames = videoFrames(join(MEDIA, 'video', 'mdn_friday.mp4'), { fps: 1, width: 640, height: 480 });
    const [frameStart, cpuStart] = [performance.now(), process.cpuUsage()];
    let faces = 0;
    for (const frame of frames) faces += (await engine.detect(frame)).length;
    const cpuSecondsPerFrame640x480 = cpuSeconds(cpuStart) / frames.length;
    const secondsPerFrame640x480 = (performance.now() - frameStart) / 1000 / frames.length;
    const main = evaluate(photos);
    return {
      engine: engine.name,
      loadSeconds,
      appearances: main.appearances,
      found: main.found,
      wrong: main.wrong,
      strangerNames: main.strangerNames,
      rows,
      secondsPerPhoto,
      secondsPerFrame640x480,
      cpuSecondsPerFrame640x480,
      facesPerFrame640x480: faces / frames.length,
    };
  } finally {
    await engine.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await benchFaces();
  console.log(`${result.engine}, loaded in ${result.loadSeconds.toFixed(1)} s; ${result.secondsPerPhoto.toFixed(2)} s per photo`);
  console.table(
    result.rows.map((r) => ({
      rule: r.rule,
      'photos/person': r.photosPerPerson,
      found: `${r.found}/${r.appearances}`,
      wrong: r.wrong,
      'names on strangers': r.strangerNames,
      misses: r.misses.join('; '),
      mistakes: r.mistakes.join('; '),
    })),
  );
  console.log(
    `640x480 video frames (${result.facesPerFrame640x480.toFixed(1)} faces each): ${result.secondsPerFrame640x480.toFixed(2)} s per frame, ` +
      `${result.cpuSecondsPerFrame640x480.toFixed(2)} CPU s per frame`,
  );
}
