import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { VdnaError } from '../src/errors.js';
import { probe } from '../src/media/probe.js';
import { decodeForTagging, PCM_SAMPLE_RATE, PpmSplitter, type DecodePassOptions } from '../src/tagging/decode-pass.js';
import type { Frame } from '../src/tagging/types.js';
import { ffmpeg, media, tempDir } from './helpers.js';

const temp = tempDir('vdna-decode-pass-');
after(() => temp.cleanup());

async function emitted(path: string, opts: Partial<DecodePassOptions> = {}) {
  const frames: Frame[] = [];
  const result = await decodeForTagging(path, { ...opts, onFrame: (f) => void frames.push(f) });
  return { frames, result };
}

test('PPM pictures split whole wherever the pipe cuts them', () => {
  const ppm = (width: number, height: number, fill: number) => Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`), Buffer.alloc(width * height * 3, fill)]);
  const stream = Buffer.concat([ppm(3, 2, 7), ppm(1, 1, 200), ppm(2, 2, 10)]);
  for (const piece of [1, 5, 13, stream.length]) {
    const splitter = new PpmSplitter();
    const pictures = [];
    for (let at = 0; at < stream.length; at += piece) pictures.push(...splitter.push(stream.subarray(at, at + piece)));
    assert.deepEqual(
      pictures.map((p) => [p.width, p.height, p.rgb.length, p.rgb.every((b) => b === p.rgb[0]) && p.rgb[0]]),
      [[3, 2, 18, 7], [1, 1, 3, 200], [2, 2, 12, 10]],
      `pieces of ${piece} bytes`,
    );
  }
  assert.throws(() => [...new PpmSplitter().push(Buffer.alloc(64, 1))], VdnaError);
});

test('a static-camera clip hands over far fewer frames than it decodes; a cut-heavy one most of them', async () => {
  const still = await emitted(media('video/intel_one-by-one-person-detection.mp4'));
  assert.equal(still.result.framesDecoded, Math.round(139.4 * 2));
  assert.equal(still.result.framesEmitted, still.frames.length);
  assert.ok(still.result.framesEmitted < still.result.framesDecoded / 3, `${still.result.framesEmitted} of ${still.result.framesDecoded}`);
  // The heartbeat: no gap between frames handed over is longer than 10 s.
  const times = still.frames.map((f) => f.time);
  assert.equal(times[0], 0);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] <= 10, `gap ${times[i - 1]} -> ${times[i]}`);

  const cuts = await emitted(media('video/zwm_sintel_10s.mp4'));
  assert.ok(cuts.result.framesEmitted > cuts.result.framesDecoded * 0.6, `${cuts.result.framesEmitted} of ${cuts.result.framesDecoded}`);
});

test('frames are packed RGB, scaled to the longer side asked for, keeping the aspect', async () => {
  const { frames } = await emitted(media('video/imageio_cockatoo.mp4'), { heartbeatSeconds: 1 });
  assert.deepEqual([frames[0].width, frames[0].height], [960, 540]);
  assert.equal(frames[0].rgb.length, 960 * 540 * 3);
  const small = await emitted(media('video/imageio_cockatoo.mp4'), { maxSide: 320, fps: 1 });
  assert.equal(small.result.framesDecoded, 14);
  assert.deepEqual([small.frames[0].width, small.frames[0].height], [320, 180]);
  // Decoded from the start: this file gives grey/green garbage after an input seek, and a grey picture has
  // equal channels. The cockatoo's frames are colourful.
  const last = small.frames[small.frames.length - 1];
  let spread = 0;
  for (let p = 0; p < last.rgb.length; p += 3) spread += Math.abs(last.rgb[p] - last.rgb[p + 1]) + Math.abs(last.rgb[p + 1] - last.rgb[p + 2]);
  assert.ok(spread / (last.rgb.length / 3) > 10);
});

test('a cut is handed over within 0.6 s, a static shot before it is not repeated', async () => {
  const joined = join(temp.path, 'cut.mp4');
  // 6 s of a still settings window (10-16 s of the screencast), then 6 s of bottles.
  const part = (input: number) => `[${input}:v]scale=640:360,setsar=1,fps=25[v${input}]`;
  ffmpeg([
    '-ss', '10', '-t', '6', '-i', media('video/gnomehelp_display-dual-monitors.webm'), '-t', '6', '-i', media('video/intel_bottle-detection.mp4'),
    '-filter_complex', `${part(0)};${part(1)};[v0][v1]concat=n=2:v=1:a=0`, '-c:v', 'libx264', '-preset', 'ultrafast', joined,
  ]);
  const { frames } = await emitted(joined);
  const times = frames.map((f) => f.time);
  assert.equal(times[0], 0);
  assert.ok(times.filter((t) => t < 6).length <= 2, `before the cut: ${times}`);
  assert.ok(times.some((t) => t >= 6 && t <= 6.6), `after the cut: ${times}`);
});

test('the audio comes as mono 16 kHz PCM of the stream length, and only when there is audio', async () => {
  for (const clip of ['video/pdextendedview_diver.mov', 'video/janus_ChID-BLITS-EBU.mp4']) {
    const info = await probe(media(clip));
    const { result } = await emitted(media(clip), { audio: true });
    assert.ok(result.pcm, clip);
    const seconds = result.pcm.length / PCM_SAMPLE_RATE;
    assert.ok(Math.abs(seconds - info.audio!.duration) <= info.audio!.duration * 0.02, `${clip}: ${seconds} s of ${info.audio!.duration} s`);
    assert.ok(result.pcm.some((s) => Math.abs(s) > 1000), `${clip}: silent`);
  }
  const silent = await emitted(media('video/intel_bottle-detection.mp4'), { audio: true });
  assert.equal(silent.result.pcm, undefined);
  const unasked = await emitted(media('video/pdextendedview_diver.mov'));
  assert.equal(unasked.result.pcm, undefined);
});

/** Processes whose command line names `path` (ffmpeg children reading it). */
function processesReading(path: string): number {
  let count = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path)) count++;
    } catch {
      // the process ended meanwhile
    }
  }
  return count;
}

test('an abort stops ffmpeg at once', async () => {
  const path = join(temp.path, 'abort-me.mp4');
  symlinkSync(media('video/intel_one-by-one-person-detection.mp4'), path);
  const controller = new AbortController();
  let abortedAt = 0;
  const run = decodeForTagging(path, {
    signal: controller.signal,
    onFrame: () => undefined,
    onProgress: (seconds) => {
      if (seconds >= 5 && !abortedAt) {
        assert.equal(processesReading(path), 1);
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  await assert.rejects(run, (err: Error) => err.name === 'AbortError');
  assert.ok(performance.now() - abortedAt < 1000, `rejected ${(performance.now() - abortedAt).toFixed(0)} ms after the abort`);
  for (let i = 0; i < 20 && processesReading(path) > 0; i++) await sleep(25);
  assert.equal(processesReading(path), 0);
});

test('a slow analyser holds the decoding back: one frame in flight, no reading ahead', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let analysing: number | undefined;
  let readAhead = 0;
  const result = await decodeForTagging(media('video/zwm_sintel_10s.mp4'), {
    onProgress: (seconds) => {
      if (analysing !== undefined) readAhead = Math.max(readAhead, seconds - analysing);
    },
    onFrame: async (frame) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      analysing = frame.time;
      await sleep(30);
      analysing = undefined;
      inFlight--;
    },
  });
  assert.ok(result.framesEmitted > 10);
  assert.equal(maxInFlight, 1);
  assert.ok(readAhead <= 1, `decoding ran ${readAhead} s ahead of the analyser`);
});

test('an analyser error stops the pass and comes out as it is', async () => {
  const boom = new Error('analyser failed');
  await assert.rejects(decodeForTagging(media('video/zwm_sintel_10s.mp4'), { onFrame: () => Promise.reject(boom) }), boom);
});

test('a truncated file is refused with a code', async () => {
  const path = join(temp.path, 'truncated.mp4');
  copyFileSync(media('video/intel_car-detection.mp4'), path);
  truncateSync(path, Math.floor(statSync(path).size * 0.2));
  await assert.rejects(emitted(path), (err: Error) => err instanceof VdnaError && err.code === 'TRUNCATED_MEDIA');
  await assert.rejects(emitted(media('faces/labels.csv')), (err: Error) => err instanceof VdnaError && err.code === 'NOT_MEDIA');
});
