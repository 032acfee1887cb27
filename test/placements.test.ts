/**
 * Placements of the library's window in a cropped copy: the grid a query looks through finds, on real
 * frames of a crop, the placement where the crop put the window; the matcher keeps a placement only
 * when several grid frames find one stretch of an item through it, and only for what a first look missed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hamming } from '../src/fingerprint/hamming.js';
import { fingerprintFile } from '../src/fingerprint/video/fingerprint.js';
import { PLACEMENTS, placementsAt } from '../src/fingerprint/video/placements.js';
import type { FrameHit } from '../src/index/frame-key-index.js';
import { bestPlacements, confirmedMatches, supportedPlacements } from '../src/match/placements.js';
import type { Match } from '../src/match/result.js';
import { ffmpeg, media, tempDir } from './helpers.js';
import { startServer, waitForJob } from './service-helpers.js';

describe('placements of the library window in a crop', () => {
  it('finds where a crop put the library window: a grid placement next to it, a few bits from the library hash', async () => {
    const dir = tempDir();
    try {
      const source = media('video/moviepy_big_buck_bunny_0_30.webm');
      const library = join(dir.path, 'library.mp4');
      const cropped = join(dir.path, 'cropped.mp4');
      const clip = ['-ss', '5', '-t', '10', '-i', source, '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20'];
      ffmpeg([...clip, '-vf', 'fps=25,scale=640:360,setsar=1', library]);
      // 78 % of the width and height from 16 % across and 4 % down.
      ffmpeg([...clip, '-vf', 'fps=25,scale=640:360,setsar=1,crop=iw*0.78:ih*0.78:iw*0.16:ih*0.04,scale=640:360', cropped]);
      const lib = await fingerprintFile(library);
      const query = await fingerprintFile(cropped, { placements: true });
      const grid = query.placements!;
      assert.equal(grid.views, PLACEMENTS.length);
      // The window (centre 80 % of the source) as this crop shows it.
      const truth = { x: (0.1 - 0.16) / 0.78, y: (0.1 - 0.04) / 0.78, w: 0.8 / 0.78 };
      const off = (p: number) => Math.max(Math.abs(PLACEMENTS[p].x - truth.x), Math.abs(PLACEMENTS[p].y - truth.y), Math.abs(PLACEMENTS[p].w - truth.w) / truth.w);
      let near = 0;
      let frames = 0;
      for (let k = 0; k < Math.min(lib.count, query.count); k += grid.step) {
        if (lib.flat[k]) continue;
        frames++;
        // The grid frame's turn of placements (placementsAt): the nearest of those to the truth wins.
        const turn = placementsAt(k / grid.step);
        const distances = turn.map((p) => hamming(grid.hashes, (k / grid.step) * grid.views + p, lib.hashes, k));
        const best = turn[distances.indexOf(Math.min(...distances))];
        // Within a lattice step of the truth (3 % of the picture here) on each axis and a scale step (8 %).
        if (Math.min(...distances) <= 10 && off(best) < 0.09) near++;
      }
      assert.ok(frames >= 4, `${frames} grid frames`);
      assert.ok(near >= frames * 0.75, `the nearest placement wins on ${near} of ${frames} grid frames`);
    } finally {
      dir.cleanup();
    }
  });

  it('a search job looks again at a cropped copy and finds it (the job path, through the HTTP API)', async () => {
    const dir = tempDir();
    const server = await startServer(join(dir.path, 'data'), ['--allow-path', dir.path, '--allow-path', media('video')]);
    try {
      const cropped = join(dir.path, 'cropped.mp4');
      ffmpeg(['-ss', '15', '-t', '12', '-i', media('video/moviepy_big_buck_bunny_0_30.webm'), '-vf', 'crop=iw*0.75:ih*0.75:iw*0.02:ih*0.02,scale=640:360', '-an', '-c:v', 'libx264', '-crf', '26', cropped]);
      await server.api('POST', '/v1/libraries', { Name: 'films' });
      let r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'onlysave', PrimaryKey: 'bunny', Input: { Type: 'Path', Source: media('video/moviepy_big_buck_bunny_0_30.webm') } });
      await waitForJob(server, r.body.JobId);
      r = await server.api('POST', '/v1/jobs', { Library: 'films', Mode: 'nosave', Input: { Type: 'Path', Source: cropped } });
      const job = await waitForJob(server, r.body.JobId);
      assert.equal(job.State, 'Success', JSON.stringify(job));
      const { Matches } = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body;
      assert.deepEqual(Matches.map((m: Match) => m.PrimaryKey), ['bunny']);
      for (const s of Matches[0].VideoMatchSegments) assert.ok(Math.abs(s.MasterStartTime - s.StartTime - 15) <= 1, JSON.stringify(s));
    } finally {
      await server.stop();
      dir.cleanup();
    }
  });

  const grid = { step: 8, views: 10 };
  /** A hit: grid frame g through placement p finds library frame `frame` of `item`. */
  const hit = (g: number, p: number, item: number, frame: number): FrameHit => ({ probe: g * grid.views + p, item, frame, distance: 6 });

  it('keeps a placement when several grid frames find one stretch of an item through it, not scattered hits', () => {
    const hits = [
      // Item 0: grid frames 0-3 at offset 40 (library frame = query frame + 40), mostly through placement 7.
      hit(0, 7, 0, 40), hit(1, 7, 0, 48), hit(2, 6, 0, 56), hit(2, 7, 0, 56), hit(3, 7, 0, 64),
      // Item 1: three grid frames, each at another place of it.
      hit(0, 2, 1, 5), hit(1, 2, 1, 300), hit(2, 2, 1, 900),
      // Item 2: one grid frame, through several placements.
      hit(4, 1, 2, 70), hit(4, 2, 2, 70), hit(4, 3, 2, 70),
    ];
    const supported = supportedPlacements(hits, grid, 40, (item) => `item${item}`);
    assert.deepEqual(supported, [{ key: 'item0', placement: 7, votes: 4, frames: [0, 8, 16, 24], offsets: [40, 40] }]);
    assert.deepEqual(bestPlacements(supported, [], 4), supported);
  });

  const segment = (start: number, end: number, offset = 0) => ({ StartTime: start, EndTime: end, MasterStartTime: start + offset, MasterEndTime: end + offset, Similarity: 0.9 });
  const match = (key: string, ...segments: ReturnType<typeof segment>[]): Match => ({
    PrimaryKey: key, GlobalSimilarity: 0.9, VideoMatchSegments: segments, AudioMatchSegments: [], TextMatchSegments: [],
  });
  const supported = [
    { placement: 7, votes: 4, key: 'a', frames: [0, 8, 16, 24], offsets: [0, 0] as [number, number] },
    { placement: 3, votes: 3, key: 'b', frames: [0, 8, 16], offsets: [40, 44] as [number, number] },
  ];

  it('looks again only at moments the first look did not explain', () => {
    // a's grid frames are 0-6 s, b's 0-4 s (4 fps): a match over 0-1 s leaves both to look at again...
    assert.deepEqual(bestPlacements(supported, [match('b', segment(0, 1))], 4), supported);
    // ...one over 0-4.5 s (of any item: other copies of the same pictures find their way through the grid too) leaves a.
    assert.deepEqual(bestPlacements(supported, [match('c', segment(0, 4.5))], 4), [supported[0]]);
    assert.deepEqual(bestPlacements(supported, [match('a', segment(0, 6.25))], 4), []);
  });

  it('keeps of the second look what its grid frames found first: their items, at their offsets, over three of their frames', () => {
    // b's grid frames (0, 2 and 4 s) agreed on offsets 40-44 frames (10-11 s at 4 fps), give or take 2 s.
    const placed = [
      match('b', segment(0, 5, 10.5), segment(6, 9, 20)),
      match('c', segment(0, 5, 10.5)),
      match('a', segment(0, 6.5, 1.5)),
    ];
    assert.deepEqual(confirmedMatches(placed, supported, 4), [match('b', segment(0, 5, 10.5)), match('a', segment(0, 6.5, 1.5))]);
    // A segment over two of the grid frames that found the item is no confirmation.
    assert.deepEqual(confirmedMatches([match('b', segment(1, 6, 10.5)), match('a', segment(0, 3.5, 1.5))], supported, 4), []);
    // Nor one shorter than 5 s.
    assert.deepEqual(confirmedMatches([match('b', segment(0, 4.5, 10.5))], supported, 4), []);
  });
});
