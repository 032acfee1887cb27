/**
 * Picture and sound of a file from one decoder (issue 14): on real clips of varied codecs and
 * containers, library and query side, the fingerprints are bit for bit those of the video-only and
 * audio-only paths, from one ffmpeg instead of two; progress, cancelling and verdicts are unchanged.
 */
import assert from 'node:assert/strict';
import childProcess, { type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { AUDIO_DEFAULTS } from '../src/config.js';
import { fingerprintAudio } from '../src/fingerprint/audio/fingerprint.js';
import { fingerprintMedia } from '../src/fingerprint/media.js';
import { fingerprintMedia as fingerprintVideo, QUERY_VARIANTS } from '../src/fingerprint/video/fingerprint.js';
import { decodableTogether } from '../src/media/decode-audio.js';
import { tools } from '../src/media/ffmpeg.js';
import { probe } from '../src/media/probe.js';
import { media, tempDir, until } from './helpers.js';

// Every ffmpeg vdna starts (through prlimit or not) is noted here.
const decoders: ChildProcess[] = [];
const spawn = childProcess.spawn;
childProcess.spawn = ((...args: Parameters<typeof spawn>) => {
  const child = spawn(...args);
  if ([args[0], ...(args[1] as string[])].includes(tools().ffmpeg.path)) decoders.push(child);
  return child;
}) as typeof spawn;
syncBuiltinESMExports();
beforeEach(() => {
  decoders.length = 0;
});

const tmp = tempDir('vdna-one-pass-');
after(() => tmp.cleanup());

describe('picture and sound in one decoder', () => {
  // codecs: h264/aac, h264/aac 5.1, mjpeg/mp2, cinepak/vorbis, vp8/vorbis; MPEG-PS (mpeg2/mp2) keeps two decoders.
  const clips = [
    'video/mdn_friday.mp4',
    'video/janus_ChID-BLITS-EBU.mp4',
    'video/pdextendedview_diver.mov',
    'video/planetblupi_history2.mkv',
    'video/moviepy_big_buck_bunny_0_30.webm',
    'video/forensics_movie-hello.mpeg',
  ];
  for (const clip of clips) {
    test(`${clip}: the same fingerprints as the video-only and audio-only paths`, async () => {
      const info = await probe(media(clip));
      for (const forSearch of [false, true]) {
        decoders.length = 0;
        const both = await fingerprintMedia(info.path, { forSearch });
        assert.equal(decoders.length, decodableTogether(info) ? 1 : 2, 'decoders started');
        const video = await fingerprintVideo(info, { variants: forSearch ? QUERY_VARIANTS : undefined, placements: forSearch });
        const audio = await fingerprintAudio(info, { shifts: forSearch ? AUDIO_DEFAULTS.queryShifts : 1 });
        assert.ok(video.count > 0 && audio.landmarks.count > 0);
        assert.deepEqual(both.video, video, `picture (${forSearch ? 'query' : 'library'})`);
        assert.deepEqual(both.audio, audio, `sound (${forSearch ? 'query' : 'library'})`);
      }
      assert.equal(decodableTogether(info), info.format !== 'mpeg');
    });
  }

  test('progress follows the picture; cancelling kills the one decoder', async () => {
    const path = media('video/openboard_wannaworktogether.mp4');
    const info = await probe(path);
    const controller = new AbortController();
    const progress: Array<[number, number]> = [];
    const run = fingerprintMedia(path, {
      forSearch: false,
      signal: controller.signal,
      onProgress: (seconds, total) => {
        progress.push([seconds, total]);
        if (seconds >= 5) controller.abort();
      },
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.equal(decoders.length, 1);
    const [decoder] = decoders;
    await until('the decoder to end', () => decoder.exitCode !== null || decoder.signalCode !== null, 10_000);
    assert.equal(decoder.signalCode, 'SIGKILL');
    assert.ok(progress.length >= 5 && progress.every(([s, total], i) => total === (info.video!.duration || info.duration) && (i === 0 || s > progress[i - 1][0])), JSON.stringify(progress));
  });

  test('a truncated file gets the verdict it gets from two decoders', async () => {
    const truncated = join(tmp.path, 'truncated.mp4');
    const bytes = readFileSync(media('video/janus_ChID-BLITS-EBU.mp4'));
    writeFileSync(truncated, bytes.subarray(0, bytes.length / 2));
    const info = await probe(truncated);
    const codeOf = (run: Promise<unknown>) => run.then(() => 'fingerprinted', (err: { code?: string }) => err.code);
    const together = await codeOf(fingerprintMedia(truncated, { forSearch: false }));
    assert.equal(decoders.length, 1);
    assert.equal(together, 'TRUNCATED_MEDIA');
    assert.equal(await codeOf(fingerprintVideo(info)), together);
    assert.equal(await codeOf(fingerprintAudio(info)), together);
  });
});
