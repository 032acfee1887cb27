/**
 * Who a face is: the user's registered people (a gallery of face descriptors), the naming of the faces
 * of one picture, and the grouping of unknown faces seen across a video into unnamed people.
 *
 * Descriptor distances alone barely separate people: on the corpus's photos the same person lies up
 * to ~0.63 from their registration photo, and a stranger from ~0.63 to the nearest registered person.
 * Two further signs help: a stranger tends to lie about as far from every registered person (the best
 * barely beats the runner-up), and a picture holds each person at most once.
 */
import { rotateFrame } from './image.js';
import type { Box, FaceEngine, FoundFace, Frame } from './types.js';

export type Descriptor = ArrayLike<number>;

/** Euclidean distance between two face descriptors. */
export function faceDistance(a: Descriptor, b: Descriptor): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

export interface PersonMatch {
  name: string;
  distance: number;
}

export interface GalleryOptions {
  /** A face farther than this from every photo of a person is not that person. */
  threshold?: number;
  /** Closer than this, a face is the person whatever the other people's distances. */
  sureDistance?: number;
  /** Beyond sureDistance, the best person must beat the runner-up by this much. */
  margin?: number;
  /**
   * A person registered with photos that differ a lot gets a threshold up to their own photos'
   * largest distance, never beyond this.
   */
  maxThreshold?: number;
}

const DEFAULTS: Required<GalleryOptions> = { threshold: 0.65, sureDistance: 0.5, margin: 0.06, maxThreshold: 0.7 };

interface Person {
  descriptors: Float32Array[];
  threshold: number;
}

/** The registered people, each with the descriptors of one or more photos. */
export class PersonGallery {
  private readonly people = new Map<string, Person>();
  private readonly options: Required<GalleryOptions>;

  constructor(options: GalleryOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  get names(): string[] {
    return [...this.people.keys()];
  }

  add(name: string, descriptor: Descriptor): void {
    const person = this.people.get(name) ?? { descriptors: [], threshold: this.options.threshold };
    const added = Float32Array.from(descriptor);
    for (const other of person.descriptors) {
      person.threshold = Math.max(person.threshold, Math.min(this.options.maxThreshold, faceDistance(added, other)));
    }
    person.descriptors.push(added);
    this.people.set(name, person);
  }

  /** The registered person this face is, if any. */
  identify(descriptor: Descriptor): PersonMatch | undefined {
    const ranked = [...this.people].map(([name, person]) => ({
      name,
      person,
      distance: Math.min(...person.descriptors.map((d) => faceDistance(descriptor, d))),
    }));
    ranked.sort((a, b) => a.distance - b.distance);
    const [best, runnerUp] = ranked;
    if (!best || best.distance > best.person.threshold) return undefined;
    const clearWinner = best.distance <= this.options.sureDistance || !runnerUp || runnerUp.distance - best.distance >= this.options.margin;
    return clearWinner ? { name: best.name, distance: best.distance } : undefined;
  }
}

/**
 * Names the faces of one picture (or video frame), index for index: each face gets the person it is
 * identified as, and a person named by several faces is kept only for the closest one (the others are
 * lookalikes, left unnamed rather than given their second-best person).
 */
export function assignNames(faces: readonly FoundFace[], gallery: PersonGallery): Array<PersonMatch | undefined> {
  const matches = faces.map((face) => gallery.identify(face.descriptor));
  const closest = new Map<string, PersonMatch>();
  for (const match of matches) {
    if (match && match.distance < (closest.get(match.name)?.distance ?? Infinity)) closest.set(match.name, match);
  }
  return matches.map((match) => (match && closest.get(match.name) === match ? match : undefined));
}

/** A quarter turn is taken only when the upright picture shows no face this sure... */
const UPRIGHT_SCORE = 0.8;
/** ...and the turned picture shows one surer by this much (the detector also finds upside-down faces, less surely). */
const TURN_GAIN = 0.15;

const area = (box: Box) => box.width * box.height;
const bestScore = (faces: FoundFace[]) => Math.max(0, ...faces.map((f) => f.score));

/**
 * The faces of a still photo, largest first (a registration photo's person is the first). Photos are
 * sometimes stored sideways or upside down: when the upright picture shows no sure face, the quarter
 * turn that shows a clearly surer one is used, and the boxes are in that turned picture.
 */
export async function facesOfPhoto(engine: FaceEngine, frame: Frame): Promise<FoundFace[]> {
  let faces = await engine.detect(frame);
  const upright = bestScore(faces);
  if (upright < UPRIGHT_SCORE) {
    for (const quarters of [1, 2, 3]) {
      const turned = await engine.detect(rotateFrame(frame, quarters));
      if (bestScore(turned) >= Math.max(upright + TURN_GAIN, bestScore(faces))) faces = turned;
    }
  }
  return [...faces].sort((a, b) => area(b.box) - area(a.box));
}

export interface FaceObservation {
  /** Seconds. */
  time: number;
  descriptor: Descriptor;
  box: Box;
  score: number;
}

export interface FaceCluster {
  /** The times the person is seen, as ranges of seconds (a single sighting is a range of no length). */
  ranges: Array<{ start: number; end: number }>;
  /** For a thumbnail: the largest of the most confidently detected sightings. */
  representative: FaceObservation;
  /** The mean descriptor, to match this person later (e.g. once the user names them). */
  descriptor: Float32Array;
  observations: FaceObservation[];
}

export interface ClusterOptions {
  /** A face joins a group when this close to the group's mean descriptor. */
  maxDistance?: number;
  /**
   * Sightings at most this many seconds apart make one range (default 2): at least the longest step
   * between the frames analysed, or a person who stays on screen is cut into pieces.
   */
  gap?: number;
}

interface Group {
  sum: Float64Array;
  mean: Float32Array;
  members: FaceObservation[];
  times: Set<number>;
}

function newGroup(length: number): Group {
  return { sum: new Float64Array(length), mean: new Float32Array(length), members: [], times: new Set() };
}

function addTo(group: Group, members: FaceObservation[]): void {
  for (const o of members) {
    for (let i = 0; i < group.sum.length; i++) group.sum[i] += o.descriptor[i];
    group.members.push(o);
    group.times.add(o.time);
  }
  for (let i = 0; i < group.sum.length; i++) group.mean[i] = group.sum[i] / group.members.length;
}

const sharesAFrame = (a: Group, b: Group) => [...a.times].some((t) => b.times.has(t));

/**
 * Groups the faces seen across a video into people. Each face, in time order, joins the nearest group
 * whose mean lies within maxDistance (or starts one); groups whose means end up that close are then
 * merged. Two faces of one frame are never one person. Biggest groups first.
 */
export function clusterFaces(observations: readonly FaceObservation[], options: ClusterOptions = {}): FaceCluster[] {
  const maxDistance = options.maxDistance ?? 0.5;
  const gap = options.gap ?? 2;
  const groups: Group[] = [];
  for (const o of [...observations].sort((a, b) => a.time - b.time)) {
    let nearest: Group | undefined;
    let nearestDistance = maxDistance;
    for (const g of groups) {
      const d = faceDistance(o.descriptor, g.mean);
      if (d <= nearestDistance && !g.times.has(o.time)) [nearest, nearestDistance] = [g, d];
    }
    if (!nearest) groups.push((nearest = newGroup(o.descriptor.length)));
    addTo(nearest, [o]);
  }
  mergeClose(groups, maxDistance);
  return groups.map((g) => toCluster(g, gap)).sort((a, b) => b.observations.length - a.observations.length);
}

/** Merges the closest pair of groups (by mean) while one lies within maxDistance. */
function mergeClose(groups: Group[], maxDistance: number): void {
  for (;;) {
    let pair: [number, number] | undefined;
    let pairDistance = maxDistance;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const d = faceDistance(groups[i].mean, groups[j].mean);
        if (d <= pairDistance && !sharesAFrame(groups[i], groups[j])) [pair, pairDistance] = [[i, j], d];
      }
    }
    if (!pair) return;
    addTo(groups[pair[0]], groups[pair[1]].members);
    groups.splice(pair[1], 1);
  }
}

function toCluster(group: Group, gap: number): FaceCluster {
  const observations = [...group.members].sort((a, b) => a.time - b.time);
  const ranges: FaceCluster['ranges'] = [];
  for (const { time } of observations) {
    const last = ranges[ranges.length - 1];
    if (last && time - last.end <= gap) last.end = time;
    else ranges.push({ start: time, end: time });
  }
  const topScore = Math.max(...observations.map((o) => o.score));
  const confident = observations.filter((o) => o.score >= 0.9 * topScore);
  const representative = confident.reduce((a, b) => (area(b.box) > area(a.box) ? b : a));
  return { ranges, representative, descriptor: group.mean, observations };
}
