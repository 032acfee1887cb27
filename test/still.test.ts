/** Image queries: a still picture searched in a video library gives the item and the time in it. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Vdna } from '../src/vdna.js';
import { ffmpeg, media, tempDir } from './helpers.js';

test('a still picture (scaled, mirrored, or cropped) finds its video and moment; unrelated photos find nothing', async () => {
  const dir = tempDir();
  const vdna = new Vdna({ dataDir: join(dir.path, 'data') });
  try {
    for (const name of ['zwm_sintel_10s.mp4', 'openboard_wannaworktogether.mp4', 'intel_car-detection.mp4']) {
      await vdna.add('films', media(`video/${name}`), name.replace(/\..*$/, ''));
    }
    const mirrored = join(dir.path, 'mirrored.jpg');
    ffmpeg(['-i', media('video/zwm_sintel_10s.mp4'), '-ss', '6.3', '-frames:v', '1', '-vf', 'scale=320:-1,hflip', mirrored]);
    const cropped = join(dir.path, 'cropped.png');
    ffmpeg(['-i', media('video/openboard_wannaworktogether.mp4'), '-ss', '95', '-frames:v', '1', '-vf', 'crop=iw*0.9:ih*0.9,scale=480:-1', cropped]);
    for (const [still, key, at] of [[mirrored, 'zwm_sintel_10s', 6.3], [cropped, 'openboard_wannaworktogether', 95]] as const) {
      const { Matches } = await vdna.search('films', still);
      assert.equal(Matches.length, 1, JSON.stringify(Matches));
      assert.equal(Matches[0].PrimaryKey, key);
      const s = Matches[0].VideoMatchSegments.find((x) => x.MasterStartTime - 0.5 <= at && at <= x.MasterEndTime + 0.5);
      assert.ok(s, `a segment around ${at} s: ${JSON.stringify(Matches[0].VideoMatchSegments)}`);
      assert.deepEqual([s.StartTime, s.EndTime], [0, 0], 'a still is an instant of the query');
      assert.ok(Matches[0].GlobalSimilarity > 0.6);
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
