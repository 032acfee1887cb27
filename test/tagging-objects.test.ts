import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasExtra } from '../src/tagging/extras.js';
import { readImage } from '../src/tagging/image.js';
import { createObjectEngine, objectScoreFloor } from '../src/tagging/objects.js';
import type { Frame, ObjectEngine } from '../src/tagging/types.js';
import { ffmpeg, media, tempDir } from './helpers.js';

const temp = tempDir('vdna-objects-');
after(() => temp.cleanup());

/** The picture at `time` of a clip, decoded from the start. */
function frameAt(clip: string, time: number): Promise<Frame> {
  const png = join(temp.path, `${clip.replace(/\W/g, '_')}_${time}.png`);
  ffmpeg(['-i', media(clip), '-ss', String(time), '-frames:v', '1', png]);
  return readImage(png);
}

describe('COCO objects in real frames', { skip: !hasExtra('@vladmandic/human') && 'the tagging part is not installed' }, () => {
  let engine: ObjectEngine;
  before(async () => {
    engine = await createObjectEngine();
  });
  after(() => engine.close());

  test('a car in the parking lot is reported as a car, boxed where it is', async () => {
    // At 18 s (768x432) a red car stands near the top and the front half of a pale blue one shows at the
    // bottom left, by x 66-228: the model finds the latter (the red one, seen from above, it takes for a
    // cell phone, under that label's floor).
    const frame = await frameAt('video/intel_car-detection.mp4', 18);
    const found = await engine.detect(frame);
    const car = found.find((o) => o.label === 'car');
    assert.ok(car, JSON.stringify(found));
    assert.ok(car.score >= objectScoreFloor('car'));
    for (const o of found) assert.ok(o.score >= objectScoreFloor(o.label), `${o.label} ${o.score} under its floor`);
    const centre = { x: car.box.x + car.box.width / 2, y: car.box.y + car.box.height / 2 };
    assert.ok(centre.x > 66 && centre.x < 228 && centre.y > frame.height * 0.75, JSON.stringify(car.box));
    assert.ok(car.box.x >= 0 && car.box.y >= 0 && car.box.x + car.box.width <= frame.width && car.box.y + car.box.height <= frame.height);
  });

  test('a desktop screencast has no COCO object above the floors', async () => {
    assert.deepEqual(await engine.detect(await frameAt('video/gnomehelp_display-dual-monitors.webm', 25)), []);
  });

  test('with the floor lowered the engine shows its weak guesses', async () => {
    const everything = await createObjectEngine({ minScore: 0.1 });
    const found = await everything.detect(await frameAt('video/gnomehelp_display-dual-monitors.webm', 25));
    await everything.close();
    assert.ok(found.length > 0 && found.every((o) => o.score >= 0.1 && o.score < objectScoreFloor(o.label)), JSON.stringify(found));
  });
});

test('without the tagging part the engine is unavailable', () => {
  const objects = new URL('../src/tagging/objects.js', import.meta.url).href;
  const script = `import(${JSON.stringify(objects)}).then((m) => m.createObjectEngine()).then(() => console.log('loaded'), (e) => console.log(e.code));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, VDNA_TAGGING_DIR: temp.path }, encoding: 'utf8' });
  assert.equal(out.trim(), 'ANALYSER_UNAVAILABLE');
});
