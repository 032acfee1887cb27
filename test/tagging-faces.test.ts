import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rng } from '../bench/random.js';
import { evaluate, photoFaces, type PhotoFaces } from '../bench/tagging-faces.js';
import { videoFrames } from '../bench/tagging-ocr.js';
import { hasExtra, loadExtra } from '../src/tagging/extras.js';
import { createFaceEngine } from '../src/tagging/faces.js';
import { readImage } from '../src/tagging/image.js';
import { assignNames, clusterFaces, faceDistance, facesOfPhoto, PersonGallery, type FaceObservation } from '../src/tagging/persons.js';
import type { FaceEngine, FoundFace, Frame } from '../src/tagging/types.js';
import { media } from './helpers.js';

const random = rng(42);

/** A synthetic descriptor: `distance` away from `from` in a random direction. */
function descriptorNear(from: Float32Array, distance: number): Float32Array {
  const step = Float32Array.from({ length: from.length }, () => random() / 2 ** 32 - 0.5);
  const norm = Math.hypot(...step);
  return from.map((v, i) => v + (step[i] / norm) * distance);
}

const origin = new Float32Array(128);
const alice = descriptorNear(origin, 1);
const bob = descriptorNear(origin, 1);
const face = (descriptor: Float32Array, width = 100): FoundFace => ({ box: { x: 0, y: 0, width, height: width }, score: 0.99, descriptor });

describe('person gallery', () => {
  const gallery = new PersonGallery();
  gallery.add('Alice', alice);
  gallery.add('Bob', bob);

  test('a face near one registered person is that person; a face far from everyone is nobody', () => {
    assert.ok(faceDistance(alice, bob) > 1);
    assert.equal(gallery.identify(descriptorNear(alice, 0.3))?.name, 'Alice');
    assert.equal(gallery.identify(descriptorNear(bob, 0.6))?.name, 'Bob');
    assert.equal(gallery.identify(descriptorNear(bob, 0.7)), undefined);
    assert.equal(gallery.identify(descriptorNear(origin, 1)), undefined);
  });

  test('beyond the sure distance, a face about as near to two people is neither', () => {
    const axes = (...values: number[]) => Float32Array.from({ length: 128 }, (_, i) => values[i] ?? 0);
    const twins = new PersonGallery();
    twins.add('Ann', axes(1));
    twins.add('Ann twin', axes(1, 0.3));
    const between = axes(1, 0.15, 0.56); // 0.58 from both
    assert.equal(twins.identify(between), undefined);
    const onlyAnn = new PersonGallery();
    onlyAnn.add('Ann', axes(1));
    assert.equal(onlyAnn.identify(between)?.name, 'Ann');
    assert.equal(twins.identify(axes(1, 0.14, 0.42))?.name, 'Ann', 'within the sure distance');
  });

  test('several photos of one person widen their threshold to their own spread', () => {
    const young = descriptorNear(origin, 1);
    const old = descriptorNear(young, 0.68);
    const lateral = descriptorNear(young, 0.67);
    const carol = new PersonGallery();
    carol.add('Carol', young);
    assert.equal(carol.identify(lateral), undefined);
    carol.add('Carol', old);
    assert.equal(carol.identify(lateral)?.name, 'Carol');
    assert.deepEqual(carol.names, ['Carol']);
  });

  test('a picture names each person once, on the closest face', () => {
    const faces = [face(descriptorNear(alice, 0.45)), face(descriptorNear(alice, 0.2)), face(descriptorNear(bob, 0.3)), face(origin)];
    assert.deepEqual(
      assignNames(faces, gallery).map((m) => m?.name),
      [undefined, 'Alice', 'Bob', undefined],
    );
  });
});

describe('clustering unknown faces', () => {
  const seen = (who: Float32Array, time: number, x = 0): FaceObservation => ({
    time,
    descriptor: descriptorNear(who, 0.15),
    box: { x, y: 0, width: 40 + time, height: 40 + time },
    score: 0.9,
  });

  test('two people taking turns make two clusters with their own time ranges', () => {
    const observations = [
      ...[0, 1, 2, 3, 4, 10, 11, 12].map((t) => seen(alice, t)),
      ...[5, 6, 7, 8].map((t) => seen(bob, t)),
      seen(alice, 20, 0),
      seen(bob, 20, 300),
    ];
    const clusters = clusterFaces(observations, { gap: 2 });
    assert.equal(clusters.length, 2);
    const [first, second] = clusters;
    assert.deepEqual(first.ranges, [{ start: 0, end: 4 }, { start: 10, end: 12 }, { start: 20, end: 20 }]);
    assert.deepEqual(second.ranges, [{ start: 5, end: 8 }, { start: 20, end: 20 }]);
    assert.ok(faceDistance(first.descriptor, alice) < 0.1);
    assert.ok(faceDistance(second.descriptor, bob) < 0.1);
    assert.equal(first.representative.time, 20, 'the largest confident face');
  });

  test('two faces of one frame are never one person, however alike', () => {
    const clusters = clusterFaces([seen(alice, 0, 0), seen(alice, 0, 300), seen(alice, 1, 0)]);
    assert.equal(clusters.length, 2);
    for (const c of clusters) assert.equal(new Set(c.observations.map((o) => o.time)).size, c.observations.length);
  });
});

describe('registration photos', () => {
  /** A fake detector that sees two faces, one sure, when the frame's marked pixel is at the top left, else one doubtful face. */
  function fakeEngine(): FaceEngine & { calls: number } {
    return {
      name: 'fake',
      calls: 0,
      async detect(frame: Frame) {
        this.calls++;
        return frame.rgb[0] === 255 ? [{ ...face(alice, 50), score: 0.9 }, face(bob, 80)] : [{ ...face(bob, 30), score: 0.6 }];
      },
      async close() {},
    };
  }
  const picture = (markedCorner: number): Frame => {
    const rgb = Buffer.alloc(2 * 2 * 3);
    rgb[markedCorner * 3] = 255;
    return { time: 0, width: 2, height: 2, rgb };
  };

  test('an upright photo is read once, its faces largest first', async () => {
    const engine = fakeEngine();
    const faces = await facesOfPhoto(engine, picture(0));
    assert.equal(engine.calls, 1);
    assert.deepEqual(faces.map((f) => f.box.width), [80, 50]);
  });

  test('a photo stored upside down is turned until a face is sure', async () => {
    const engine = fakeEngine();
    const faces = await facesOfPhoto(engine, picture(3)); // bottom right: upright after a half turn
    assert.equal(engine.calls, 4);
    assert.deepEqual(faces.map((f) => f.score), [0.99, 0.9]);
  });
});

describe('faces in the corpus', { skip: !hasExtra('@vladmandic/face-api') && 'the tagging part is not installed' }, () => {
  let engine: FaceEngine;
  let photos: PhotoFaces[];
  before(async () => {
    engine = await createFaceEngine();
    photos = await photoFaces(engine);
  });
  after(() => engine?.close());

  test('one registration photo per person names nearly every appearance in the other photos, and no stranger', () => {
    const result = evaluate(photos);
    assert.deepEqual([...result.registered.keys()].sort(), ['Anne Helene', 'Barack Obama', 'Jesper', 'Joe Biden']);
    assert.equal(result.appearances, 15);
    assert.ok(result.found >= 14, `named ${result.found} of 15; missed ${result.misses.join(', ')}`);
    assert.ok(result.wrong <= 1, `wrong: ${result.mistakes.join(', ')}`);
    assert.equal(result.strangerNames, 0, 'Jim and Wayne are not registered');
  });

  test('a photo stored sideways is read upright', () => {
    const wayne = photos.find((p) => p.file === 'kphotoalbum_wayne.jpg')!;
    assert.equal(wayne.faces.length, 2);
    assert.ok(wayne.faces.every((f) => f.score > 0.9));
  });

  test('detecting frame after frame keeps no tensors', async () => {
    const tf = await loadExtra<{ memory(): { numTensors: number } }>('@tensorflow/tfjs');
    const frame = await readImage(media('faces/facerec_two_people_obama_biden.jpg'));
    assert.equal((await engine.detect(frame)).length, 2);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await engine.detect(frame);
    assert.equal(tf.memory().numTensors, before);
  });

  test('the faces of a film excerpt group into people seen over several seconds', async () => {
    const frames = videoFrames(media('video/zwm_tears_of_steel_10s.mp4'), { fps: 1, width: 640, height: 360 });
    const observations: FaceObservation[] = [];
    for (const frame of frames) for (const f of await engine.detect(frame)) observations.push({ time: frame.time, ...f });
    const [biggest] = clusterFaces(observations);
    assert.ok(biggest.observations.length >= 4, `${biggest.observations.length} sightings`);
    assert.equal(biggest.ranges.length, 1);
    assert.ok(biggest.ranges[0].end - biggest.ranges[0].start >= 3);
    assert.ok(biggest.observations.includes(biggest.representative));
  });
});

test('closing the last face engine frees its models', { skip: !hasExtra('@vladmandic/face-api') && 'the tagging part is not installed' }, async () => {
  const tf = await loadExtra<{ memory(): { numTensors: number } }>('@tensorflow/tfjs');
  const engine = await createFaceEngine();
  assert.ok(tf.memory().numTensors > 0);
  await engine.close();
  assert.equal(tf.memory().numTensors, 0);
});
