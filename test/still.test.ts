/** Image queries and image libraries: a still picture and the moments of video where it appears. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Vdna } from '../src/vdna.js';
import { ffmpeg, media, tempDir } from './helpers.js';

const near = (segments: Array<{ MasterStartTime: number; MasterEndTime: number }>, at: number, tol: number) =>
  segments.some((s) => s.MasterStartTime - tol <= at && at <= s.MasterEndTime + tol);

test('a still picture (mirrored, cropped, scaled) finds its video and moment; unrelated photos find nothing', async () => {
  const dir = tempDir();
  const vdna = new Vdna({ dataDir: join(dir.path, 'data') });
  try {
    for (const name of ['intel_bottle-detection.mp4', 'openboard_wannaworktogether.mp4', 'intel_car-detection.mp4']) {
      await vdna.add('films', media(`video/${name}`), name.replace(/\..*$/, ''));
    }
    const mirrored = join(dir.path, 'mirrored.jpg');
    ffmpeg(['-i', media('video/intel_bottle-detection.mp4'), '-ss', '20', '-frames:v', '1', '-vf', 'scale=320:-1,hflip', mirrored]);
    const cropped = join(dir.path, 'cropped.png');
    ffmpeg(['-i', media('video/openboard_wannaworktogether.mp4'), '-ss', '95', '-frames:v', '1', '-vf', 'crop=iw*0.9:ih*0.9,scale=480:-1', cropped]);
    for (const [still, key, at] of [[mirrored, 'intel_bottle-detection', 20], [cropped, 'openboard_wannaworktogether', 95]] as const) {
      const { Matches } = await vdna.search('films', still);
      assert.equal(Matches[0]?.PrimaryKey, key, JSON.stringify(Matches));
      assert.ok(near(Matches[0].VideoMatchSegments, at, 1.5), `around ${at} s: ${JSON.stringify(Matches[0].VideoMatchSegments)}`);
      assert.ok(Matches[0].VideoMatchSegments.every((s) => s.StartTime === 0 && s.EndTime === 0), 'a still is an instant of the query');
    }
    for (const photo of ['faces/facerec_obama.jpg', 'faces/kphotoalbum_bar55.jpg', 'ocr/opencvcontrib_scenetext01.jpg', 'ocr/gnomehelp_shell-appts.png']) {
      assert.deepEqual((await vdna.search('films', media(photo))).Matches, [], photo);
    }
    await assert.rejects(vdna.add('films', mirrored, 'still'), { code: 'WRONG_MEDIA_TYPE' });
  } finally {
    vdna.close();
    dir.cleanup();
  }
});

test('an image library: pictures found by an edited copy, and in a video where they appear', async () => {
  const dir = tempDir();
  const vdna = new Vdna({ dataDir: join(dir.path, 'data') });
  try {
    await vdna.createLibrary('pictures', '', 'image');
    for (const name of ['facerec_obama.jpg', 'facerec_biden.jpg', 'kphotoalbum_bar55.jpg']) await vdna.add('pictures', media(`faces/${name}`), name);
    const frame = join(dir.path, 'frame.png');
    ffmpeg(['-i', media('video/openboard_wannaworktogether.mp4'), '-ss', '95', '-frames:v', '1', frame]);
    await vdna.add('pictures', frame, 'openboard-95s');
    assert.deepEqual((await vdna.list('pictures')).map((i) => [i.key, i.count, i.duration]).sort(), [
      ['facerec_biden.jpg', 1, 0],
      ['facerec_obama.jpg', 1, 0],
      ['kphotoalbum_bar55.jpg', 1, 0],
      ['openboard-95s', 1, 0],
    ]);
    const smaller = join(dir.path, 'obama-small.jpg');
    ffmpeg(['-i', media('faces/facerec_obama.jpg'), '-vf', 'scale=iw/2:-2,crop=iw*0.92:ih*0.92', smaller]);
    let { Matches } = await vdna.search('pictures', smaller);
    assert.deepEqual(Matches.map((m) => m.PrimaryKey), ['facerec_obama.jpg']);
    ({ Matches } = await vdna.search('pictures', media('video/openboard_wannaworktogether.mp4')));
    const shown = Matches.find((m) => m.PrimaryKey === 'openboard-95s');
    assert.ok(shown?.VideoMatchSegments.some((s) => s.StartTime - 1.5 <= 95 && 95 <= s.EndTime + 1.5), JSON.stringify(Matches));
    assert.ok(Matches.every((m) => m.PrimaryKey === 'openboard-95s'), 'no face is in that video');
    assert.deepEqual((await vdna.search('pictures', media('video/zwm_sintel_10s.mp4'))).Matches, []);
    await assert.rejects(vdna.add('pictures', media('video/zwm_sintel_10s.mp4'), 'video'), { code: 'WRONG_MEDIA_TYPE' });
  } finally {
    vdna.close();
    dir.cleanup();
  }
});
