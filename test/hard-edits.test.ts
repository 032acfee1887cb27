/**
 * The hard re-upload layouts of issue P4 on real media, through search: a copy in one panel of a split
 * screen (letterboxed in its panel or squeezed into it), a landscape copy reframed to portrait over
 * a blurred fill or cropped to its centre strip, a copy cropped off-centre. Each is found with its segment on both timelines; the same layouts made of videos
 * outside the library find nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Match } from '../src/match/search.js';
import { Vdna } from '../src/vdna.js';
import { ffmpeg, media, tempDir } from './helpers.js';

const LIBRARY = ['moviepy_big_buck_bunny_0_30.webm', 'zwm_caminandes_10s.mp4', 'intel_car-detection.mp4', 'pdextendedview_diver.mov'];
const HOST = media('video/udacity_solidWhiteRight_dashcam.mp4');
const OTHER = media('video/opencv_vtest_pedestrians.avi');
const ENCODE = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-pix_fmt', 'yuv420p', '-an'];

/** 12 s of `clip` from `start`, laid out by `graph` ([c] the clip, [h] the host, output [v]). */
function layout(out: string, clip: string, start: number, graph: string): string {
  const host = graph.includes('[h]');
  ffmpeg([
    '-ss', String(start), '-t', '12', '-i', clip, ...(host ? ['-stream_loop', '-1', '-t', '12', '-i', HOST] : []),
    '-filter_complex', `[0:v]fps=25,setpts=PTS-STARTPTS[c];${host ? '[1:v]fps=25,setpts=PTS-STARTPTS[h];' : ''}${graph}`,
    '-map', '[v]', '-t', '12', ...ENCODE, out,
  ]);
  return out;
}

const SPLIT_SQUEEZED = '[c]scale=320:360,setsar=1[l];[h]scale=320:360,setsar=1[r];[l][r]hstack,format=yuv420p[v]';
/** The copy keeps its shape inside its panel: bars above and below it. */
const SPLIT_LETTERBOXED = '[h]scale=320:360,setsar=1[l];[c]scale=320:180,setsar=1,pad=320:360:0:90:black[r];[l][r]hstack,format=yuv420p[v]';
/** The copy in the top-left cell of a 2 x 2 grid; the cell beside the host below it mirrors it, so
 *  that seam shows only across the top half. */
const GRID = '[c]scale=320:180,setsar=1[a];[h]scale=320:180,setsar=1,split=3[b][g][d0];[d0]hflip[d];[a][b][g][d]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0,format=yuv420p[v]';
/** A yellow sticker over a tenth of the picture, off-centre (the Video Similarity Challenge's overlays). */
const STICKER = '[c]drawbox=x=iw*0.55:y=ih*0.15:w=iw*0.3:h=ih*0.33:color=yellow:t=fill,format=yuv420p[v]';
/** A black box over a quarter of the picture, off-centre. */
const BOX = '[c]drawbox=x=iw*0.15:y=ih*0.2:w=iw*0.5:h=ih*0.5:color=black:t=fill,format=yuv420p[v]';
/** A screen filmed with a camcorder: a skewed quadrilateral in a dark room, soft, grainy and flickering. */
const CAMCORDER =
  '[c]scale=640:360,setsar=1,pad=iw*1.2:ih*1.2:(ow-iw)/2:(oh-ih)/2:color=0x141414,' +
  'perspective=x0=W*0.03:y0=H*0.07:x1=W*0.98:y1=H*0.02:x2=W*0.06:y2=H*0.97:x3=W*0.995:y3=H*0.92,' +
  'scale=640:360,gblur=sigma=0.8,noise=alls=14:allf=t,eq=brightness=0.06*sin(2*PI*t*2.5):eval=frame,format=yuv420p[v]';
/** 56 % of the picture kept, off-centre (75 % of its width and height from 2 % across and down), rescaled. */
const CROP = '[c]crop=iw*0.75:ih*0.75:iw*0.02:ih*0.02,scale=640:360,setsar=1,format=yuv420p[v]';
/** A landscape copy cropped to its centre 9:16 strip, as a vertical re-upload shows it. */
const STRIP = '[c]crop=ih*9/16:ih,scale=360:640,setsar=1,format=yuv420p[v]';
const REFRAME_BLURRED = '[c]scale=640:360,setsar=1,split[fg][bg];[bg]scale=-2:640,crop=360:640,boxblur=20[blur];[fg]scale=360:-2[small];[blur][small]overlay=0:(H-h)/2,format=yuv420p[v]';

function assertFound(matches: Match[], key: string, masterStart: number, what: string): void {
  assert.equal(matches.length, 1, `${what}: ${JSON.stringify(matches.map((m) => m.PrimaryKey))}`);
  assert.equal(matches[0].PrimaryKey, key, what);
  const segments = matches[0].VideoMatchSegments;
  const covered = segments.reduce((a, s) => a + (s.EndTime - s.StartTime), 0);
  assert.ok(covered >= 8, `${what}: only ${covered} s of 12 found: ${JSON.stringify(segments)}`);
  for (const s of segments) {
    const offset = s.MasterStartTime - s.StartTime;
    assert.ok(Math.abs(offset - masterStart) <= 1, `${what}: segment at the wrong place: ${JSON.stringify(s)}`);
  }
}

describe('hard re-upload layouts, found by search', () => {
  const dir = tempDir();
  const vdna = new Vdna({ dataDir: join(dir.path, 'data') });
  const q = (name: string) => join(dir.path, name);

  before(async () => {
    for (const name of LIBRARY) await vdna.add('films', media(`video/${name}`), name);
  });
  after(async () => {
    await vdna.close();
    dir.cleanup();
  });

  it('finds a copy in one panel of a split screen, squeezed into it, letterboxed in it, or in a 2 x 2 grid', async () => {
    const bunny = media('video/moviepy_big_buck_bunny_0_30.webm');
    const squeezed = layout(q('split-squeezed.mp4'), bunny, 15, SPLIT_SQUEEZED);
    assertFound((await vdna.search('films', squeezed)).Matches, 'moviepy_big_buck_bunny_0_30.webm', 15, 'squeezed into the left panel');
    const boxed = layout(q('split-letterboxed.mp4'), bunny, 0, SPLIT_LETTERBOXED);
    assertFound((await vdna.search('films', boxed)).Matches, 'moviepy_big_buck_bunny_0_30.webm', 0, 'letterboxed in the right panel');
    const grid = layout(q('grid.mp4'), media('video/pdextendedview_diver.mov'), 1, GRID);
    assertFound((await vdna.search('films', grid)).Matches, 'pdextendedview_diver.mov', 1, 'the top-left cell of a 2 x 2 grid');
  });

  it('finds a landscape copy reframed to portrait over a blurred fill, also where the fill keeps detail (a static camera)', async () => {
    const diver = media('video/pdextendedview_diver.mov');
    const reframed = layout(q('reframed.mp4'), diver, 1, REFRAME_BLURRED);
    assertFound((await vdna.search('films', reframed)).Matches, 'pdextendedview_diver.mov', 1, 'reframed over a blurred fill');
    // A static camera's blurred scene keeps edges and detail: the band is found where reframes centre it.
    const bottles = 'intel_bottle-detection.mp4';
    await vdna.add('static', media(`video/${bottles}`), bottles);
    const reframedStatic = layout(q('reframed-static.mp4'), media(`video/${bottles}`), 8, REFRAME_BLURRED);
    assertFound((await vdna.search('static', reframedStatic)).Matches, bottles, 8, 'reframed over a blurred static scene');
  });

  it('finds a landscape copy cropped to its centre 9:16 strip (the library keeps each frame\'s centre strip)', async () => {
    for (const [name, start] of [['moviepy_big_buck_bunny_0_30.webm', 6], ['intel_car-detection.mp4', 20]] as const) {
      const strip = layout(q(`strip-${name}.mp4`), media(`video/${name}`), start, STRIP);
      assertFound((await vdna.search('films', strip)).Matches, name, start, `cropped to the centre strip (${name})`);
    }
  });

  it('finds a copy under a sticker over a tenth of the picture', async () => {
    for (const [name, start] of [['moviepy_big_buck_bunny_0_30.webm', 15], ['pdextendedview_diver.mov', 1], ['zwm_caminandes_10s.mp4', 0]] as const) {
      const covered = layout(q(`sticker-${name}.mp4`), media(`video/${name}`), start, STICKER);
      assertFound((await vdna.search('films', covered)).Matches, name, start, `under a sticker (${name})`);
    }
  });

  it('finds a copy under a black box over a quarter of the picture (the box filled in from around it)', async () => {
    for (const [name, start] of [['moviepy_big_buck_bunny_0_30.webm', 15], ['pdextendedview_diver.mov', 1], ['zwm_caminandes_10s.mp4', 0]] as const) {
      const covered = layout(q(`box-${name}.mp4`), media(`video/${name}`), start, BOX);
      assertFound((await vdna.search('films', covered)).Matches, name, start, `under a box (${name})`);
    }
  });

  it('finds a copy cropped to 56 % of the picture off-centre (the library\'s window looked for in it, then through it on every frame)', async () => {
    for (const [name, start] of [['moviepy_big_buck_bunny_0_30.webm', 15], ['pdextendedview_diver.mov', 1], ['zwm_caminandes_10s.mp4', 0]] as const) {
      const cropped = layout(q(`crop-${name}.mp4`), media(`video/${name}`), start, CROP);
      assertFound((await vdna.search('films', cropped)).Matches, name, start, `cropped off-centre (${name})`);
    }
  });

  it('finds a copy filmed off a screen with a camcorder (perspective, grain, flicker)', async () => {
    const filmed = layout(q('camcorder.mp4'), media('video/moviepy_big_buck_bunny_0_30.webm'), 15, CAMCORDER);
    assertFound((await vdna.search('films', filmed)).Matches, 'moviepy_big_buck_bunny_0_30.webm', 15, 'filmed with a camcorder');
  });

  it('matches uploads of one channel over their shared title card only, never into the films after it', async () => {
    const font = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
    const card = `color=c=0x1d3557:s=640x360:d=3:r=25,format=yuv420p,drawtext=fontfile=${font}:text='VDNA ORIGINALS':fontsize=48:fontcolor=white:x=(w-tw)/2:y=h*0.4`;
    const upload = (out: string, clip: string, start: number) => {
      ffmpeg([
        '-ss', String(start), '-t', '8', '-i', clip,
        '-filter_complex', `${card}[c];[0:v]fps=25,setpts=PTS-STARTPTS,scale=640:360,setsar=1,format=yuv420p[b];[c][b]concat=n=2:v=1:a=0,drawbox=x=iw*0.03:y=ih*0.04:w=iw*0.18:h=ih*0.12:color=0xe63946@0.9:t=fill[v]`,
        '-map', '[v]', ...ENCODE, out,
      ]);
      return out;
    };
    await vdna.add('channel', upload(q('channel-first.mp4'), media('video/intel_car-detection.mp4'), 2), 'first');
    await vdna.add('channel', upload(q('channel-second.mp4'), media('video/planetblupi_win005.mkv'), 0), 'second');
    const { Matches } = await vdna.search('channel', upload(q('channel-third.mp4'), media('video/pdextendedview_diver.mov'), 7.7));
    for (const m of Matches) {
      for (const s of m.VideoMatchSegments) assert.ok(s.EndTime <= 3.5 && s.MasterEndTime <= 3.5, `${m.PrimaryKey}: beyond the card: ${JSON.stringify(s)}`);
    }
  });

  it('finds nothing in the same layouts made of videos outside the library', async () => {
    for (const [name, graph] of [['split', SPLIT_SQUEEZED], ['reframe', REFRAME_BLURRED], ['strip', STRIP], ['box', BOX], ['camcorder', CAMCORDER], ['crop', CROP]] as const) {
      const unrelated = layout(q(`unrelated-${name}.mp4`), OTHER, 0, graph);
      assert.deepEqual((await vdna.search('films', unrelated)).Matches, [], name);
    }
  });
});
